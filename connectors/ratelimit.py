"""A per-integration request pace, so one sync never floods a vendor.

A token bucket: `rate` requests per second on average, bursts of up to `burst`. Each
integration's client owns one, so two integrations of the same vendor pace independently.

A connector declares its vendor's documented limit as `rate_limit = RateLimit(…)`; its client
then paces at that limit instead of the default (see `HttpPolicy.vendor_limits`), and
`bench/sync.py` measures a full sync against the lower bound the limit sets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """A vendor's documented request limit: `requests` per `per_seconds`, at most `concurrent` at once.

    `source` quotes where the number comes from (the vendor's document), since a limit that is
    only folklore is worse than none: a vendor that publishes no number declares no RateLimit.
    """

    requests: int
    per_seconds: float
    concurrent: int | None = None
    source: str = ""
    # the window resets on a clock (Syncro: each minute): a 429 without Retry-After waits one window
    wait_out_window: bool = False

    @property
    def per_second(self) -> float:
        return self.requests / self.per_seconds

    def lower_bound(self, requests: int) -> float:
        """The fewest seconds `requests` can take within the limit, once a full window's burst is spent."""
        return max(requests - self.requests, 0) / self.per_second


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int = 5,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, burst
        self.clock, self.sleep = clock, sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait until one more request is allowed."""
        if self.rate <= 0:
            return
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            debt = -self._tokens
        if debt > 0:
            self.sleep(debt / self.rate)

    def slow_to(self, rate: float) -> None:
        """Pace no faster than `rate` from now on (a vendor reported its quota filling); never faster than before."""
        with self._lock:
            if rate > 0 and (self.rate <= 0 or rate < self.rate):
                self.rate = rate
                self.burst = 1
                self._tokens = min(self._tokens, 1.0)
