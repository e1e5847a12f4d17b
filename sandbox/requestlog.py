"""The sandbox's record of every vendor request, for asserting that a connector only reads.

    list(server.requests) == [("ninjaone", "POST", "/ws/oauth/token", ""), ("ninjaone", "GET", "/v2/devices", ""), ...]

`operation` names the call where one path serves several (a JSON-RPC method, an XML API's
`service`). With `keep_exchanges` on, each request's reply is kept too, so a test can check every
answer a sync read against the vendor's spec.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple


class Logged(NamedTuple):
    vendor: str
    method: str
    path: str  # under the vendor's prefix, without the query
    operation: str = ""


@dataclass(frozen=True)
class Exchange:
    """One request and the reply it got, as the wire carried them."""

    vendor: str
    method: str
    path: str  # under the vendor's prefix
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    status: int
    content_type: str
    reply_headers: Mapping[str, str]
    body: bytes


class RequestLog:
    """Every vendor request the server received, in order, thread-safe."""

    def __init__(self) -> None:
        self._entries: list[Logged] = []
        self._exchanges: list[Exchange] = []
        self.keep_exchanges = False
        self._lock = threading.Lock()

    def add(self, entry: Logged) -> None:
        with self._lock:
            self._entries.append(entry)

    def answered(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._exchanges.clear()

    def of(self, vendor: str) -> list[Logged]:
        return [e for e in self if e.vendor == vendor]

    def exchanges(self, vendor: str) -> list[Exchange]:
        with self._lock:
            return [e for e in self._exchanges if e.vendor == vendor]

    def __iter__(self) -> Iterator[Logged]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
