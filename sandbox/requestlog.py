"""The sandbox's record of every vendor request, for asserting that a connector only reads.

    list(server.requests) == [("ninjaone", "POST", "/ws/oauth/token"), ("ninjaone", "GET", "/v2/organizations"), ...]
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import NamedTuple


class Logged(NamedTuple):
    vendor: str
    method: str
    path: str  # under the vendor's prefix, without the query


class RequestLog:
    """Every vendor request the server received, in order, thread-safe (for read-only assertions)."""

    def __init__(self) -> None:
        self._entries: list[Logged] = []
        self._lock = threading.Lock()

    def add(self, entry: Logged) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def of(self, vendor: str) -> list[Logged]:
        return [e for e in self if e.vendor == vendor]

    def __iter__(self) -> Iterator[Logged]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
