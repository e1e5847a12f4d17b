"""What a fake vendor is made of: route functions, and a declaration of its auth and error shapes.

A vendor module declares one `Vendor`; the server (`server.py`) does the rest in the same order
for every vendor: log → rate limit → route (404/405) → auth → faults → route function → faults.

    Route("GET", "/v2/organization/{id}", organization)
    Route("POST", "/ws/oauth/token", token, kind="token")
    Route("GET", "/v2/devices", devices, listing=True)
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from sandbox.model import World
    from sandbox.tokens import TokenIssuer


@dataclass(frozen=True)
class Incoming:
    """One request, its path already stripped of the vendor's prefix."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lowercase names
    body: bytes
    root: str  # "http://127.0.0.1:PORT"
    prefix: str  # "/ninjaone"

    @classmethod
    def parse(cls, method: str, target: str, headers: Mapping[str, str], body: bytes, root: str) -> Incoming:
        path, _, query = target.partition("?")
        return cls(method.upper(), path, parse_qs(query, keep_blank_values=True),
                   {k.lower(): v for k, v in headers.items()}, body, root, "")

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter; ConnectWise and Pax8 ignore the case of names."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def url(self) -> str:
        """The absolute URL of this request, without its query."""
        return f"{self.root}{self.prefix}{self.path}"


@dataclass
class Reply:
    """An answer: a JSON value (or bytes sent as they are), a status and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Call:
    """What a route function gets: the request, its path parameters and the world being served."""

    incoming: Incoming
    params: dict[str, str]
    world: World
    tokens: TokenIssuer | None = None
    # identity, or the drop_pages fault's cut: list routes pass their full list through it
    keep: Callable[[list[Any]], list[Any]] = lambda records: records


RouteFunction = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    function: RouteFunction
    kind: str = "data"  # "data": authenticated, faults apply | "token" | "public": neither
    listing: bool = False

    def match(self, path: str) -> dict[str, str] | None:
        found = _compiled(self.pattern).fullmatch(path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class Vendor:
    """A fake vendor: where it lives, its routes, and how it says no."""

    name: str
    prefix: str  # "/ninjaone"
    api_root: str  # what follows the prefix in a connector's base_url ("", "/v1", "/v4_6_release/apis/3.0")
    routes: tuple[Route, ...]
    # the refusal for a data request (None: allowed); gets the issuer of bearer tokens, if any
    authenticate: Callable[[Incoming, TokenIssuer | None], Reply | None]
    refuse: Callable[[Incoming], Reply]  # a data request with bad credentials (the "auth" fault)
    refuse_token: Callable[[Incoming], Reply] | None  # a token request refused (the "auth" fault)
    error: Callable[[Incoming, int, str], Reply]  # any other error, in the vendor's shape
    too_many: Callable[[Incoming, int], Reply]  # 429, given the seconds until a retry may pass
    settings: Callable[[str], dict[str, str]]  # a connector's settings, given the base URL
    token_lifetime: float | None = None
    not_found: Callable[[Incoming], Reply] | None = None  # when a 404 is not in the error shape

    def route(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """The route for a request, its parameters, and the methods the path allows (for a 405)."""
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method:
                return route, params, allowed
            allowed.append(route.method)
        return None, {}, allowed


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _PATTERNS:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        _PATTERNS[pattern] = re.compile(regex)
    return _PATTERNS[pattern]


def once_per_world(render: Callable[[World], Any]) -> Callable[[World], Any]:
    """Cache what `render` makes of a world, by identity: a list of 1,000 devices is rendered once
    per world, not once per page. Callers must not mutate what they get back."""
    cache: dict[int, tuple[World, Any]] = {}
    lock = threading.Lock()

    def cached(world: World) -> Any:
        with lock:
            hit = cache.get(id(world))
            if hit is None or hit[0] is not world:
                if len(cache) > 8:
                    cache.clear()
                hit = cache[id(world)] = (world, render(world))
            return hit[1]

    return cached
