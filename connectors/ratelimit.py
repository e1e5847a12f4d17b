"""A per-integration request pace, so one sync never floods a vendor.

A token bucket: `rate` requests per second on average, bursts of up to `burst`. Each
integration's client owns one, so two integrations of the same vendor pace independently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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
