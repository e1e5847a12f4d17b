"""chat.postMessage pacing: about one message per second per channel, short bursts allowed.

A token bucket per channel, on the fake's own clock, so a test with a fake clock decides when
the bucket refills. Over the limit, Slack answers HTTP 429 with a whole-second `Retry-After`
and `{"ok": false, "error": "ratelimited"}`; `RateLimitErrorRetryHandler` sleeps that long
(plus up to 1 s) and tries again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RATE = 1.0  # messages per second per channel
DEFAULT_BURST = 5


@dataclass
class _Bucket:
    tokens: float
    updated: float


class ChannelRateLimiter:
    """Per-key token buckets. `rate=None` switches the limit off."""

    def __init__(
        self,
        clock: Callable[[], float],
        rate: float | None = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
    ) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self.configure(rate, burst)

    def configure(self, rate: float | None, burst: int = DEFAULT_BURST) -> None:
        """Change the limit; buckets start full again."""
        if rate is not None and (rate <= 0 or burst < 1):
            raise ValueError("rate must be positive and burst at least 1 (or rate=None for no limit)")
        self.rate = rate
        self.burst = burst
        self._buckets.clear()

    def take(self, key: str) -> int | None:
        """Spend one message for `key`: None if allowed, else the Retry-After in whole seconds."""
        if self.rate is None:
            return None
        now = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(tokens=float(self.burst), updated=now))
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
