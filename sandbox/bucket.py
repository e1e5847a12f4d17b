"""A per-vendor token bucket: the sandbox's stand-in for a vendor's rate limit.

`rate` requests per second on average, bursts of up to `burst`; generous by default (30/s,
bursts of 60) so a normal sync passes. A test that wants a 429 sets a tiny one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

DEFAULT_RATE = 30.0
DEFAULT_BURST = 60


class TokenBucket:
    def __init__(self, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def take(self) -> int | None:
        """None when a request may pass; otherwise the whole seconds until one may (at least 1)."""
        with self._lock:
            now = self.clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            wait = (1 - self._tokens) / self.rate if self.rate > 0 else 60.0
            return max(1, math.ceil(wait))
