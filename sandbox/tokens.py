"""Access tokens the sandbox issues for the vendors that use them, and when they expire.

Lifetimes are the vendors' own (NinjaOne 3600 s, Pax8 86400 s) and settable per server. A token
may be issued for a subject (one customer tenant of a multi-tenant API) and is valid for that
subject only. A test forces expiry without sleeping: `server.tokens["ninjaone"].advance(3601)`
moves this issuer's clock, or `expire_all()` drops every token it gave out.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable


class TokenIssuer:
    def __init__(self, vendor: str, lifetime: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.vendor, self.lifetime, self._clock = vendor, lifetime, clock
        self._offset = 0.0
        self._expiry: dict[str, tuple[float, str]] = {}
        self._refresh: dict[str, float] = {}  # refresh tokens (never access tokens) → when they expire
        self._lock = threading.Lock()

    def issue(self, subject: str = "") -> str:
        """A new token for `subject`, valid for `lifetime` seconds from now."""
        with self._lock:
            n = len(self._expiry) + 1
            token = f"sbx-{self.vendor}-{n:05d}-" + hashlib.sha256(f"{self.vendor}:{n}".encode()).hexdigest()[:24]
            self._expiry[token] = (self._now() + self.lifetime, subject)
            return token

    def valid(self, token: str, subject: str | None = None) -> bool:
        """Unexpired, and issued for `subject` when one is given."""
        with self._lock:
            expiry, issued_for = self._expiry.get(token, (float("-inf"), ""))
            return expiry > self._now() and (subject is None or subject == issued_for)

    def issue_refresh(self, lifetime: float) -> str:
        """A refresh token, good for `lifetime` seconds on this issuer's clock; it is no access token."""
        with self._lock:
            n = len(self._refresh) + 1
            digest = hashlib.sha256(f"{self.vendor}:refresh:{n}".encode()).hexdigest()[:24]
            token = f"sbx-{self.vendor}-refresh-{n:05d}-{digest}"
            self._refresh[token] = self._now() + lifetime
            return token

    def valid_refresh(self, token: str) -> bool:
        with self._lock:
            return self._refresh.get(token, float("-inf")) > self._now()

    def subject_of(self, token: str) -> str | None:
        """The subject an unexpired token was issued for; None for a token that is not live."""
        with self._lock:
            expiry, issued_for = self._expiry.get(token, (float("-inf"), ""))
            return issued_for if expiry > self._now() else None

    def advance(self, seconds: float) -> None:
        """Behave as if `seconds` had passed: tokens issued earlier may now be expired."""
        with self._lock:
            self._offset += seconds

    def expire_all(self) -> None:
        with self._lock:
            self._expiry = {token: (float("-inf"), subject) for token, (_, subject) in self._expiry.items()}
            self._refresh = dict.fromkeys(self._refresh, float("-inf"))

    @property
    def issued(self) -> int:
        with self._lock:
            return len(self._expiry)

    def _now(self) -> float:
        return self._clock() + self._offset
