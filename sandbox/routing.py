"""Requests, replies and routes: what a fake vendor's route functions see and give back.

    Route("GET", "/v2/organization/{id}", organization)
    Route("POST", "/ws/oauth/token", token, kind=TOKEN)
    Route("GET", "/v2/devices", devices, listing=IdCursor())
    Route("POST", "/v1.0/jsonrpc/network", endpoints, kind=READ, operation="getEndpointsList")
    Route("GET", "/api/", clients, operation="list_clients")      # ?service=list_clients

A route's `kind` says what the server does before calling it: `DATA` (a GET read) and `READ` (a
POST the vendor documents as a read: a JSON-RPC call, a query with a filter body) are
authenticated and meet faults; `TOKEN` routes issue credentials and meet only the `auth` fault;
`PUBLIC` routes meet neither. Where one path serves several calls, the vendor's `operation_of`
names the call (a JSON-RPC method, an XML API's `service`) and routes match on it too.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from sandbox.paging import Pager
    from sandbox.tokens import TokenIssuer
    from sandbox.truth.model import World

DATA, READ, TOKEN, PUBLIC = "data", "read", "token", "public"


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
        """The first value of a query parameter, whatever the case of its name (as most vendors allow)."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @cached_property
    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def url(self) -> str:
        """The absolute URL of this request, without its query."""
        return f"{self.root}{self.prefix}{self.path}"


@dataclass
class Reply:
    """An answer: a JSON value (or bytes / an XML element sent as they are), a status and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @classmethod
    def xml(cls, root: ElementTree.Element, status: int = 200) -> Reply:
        text = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
        return cls(status, text, content_type="text/xml; charset=utf-8")

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Call:
    """What a route function gets: the request, its path parameters, and the world as this vendor renders it."""

    incoming: Incoming
    params: dict[str, str]
    world: World
    view: Any  # the vendor's rendering of `world` (`FakeVendor.render`), cached per world
    tokens: TokenIssuer | None = None
    # identity, or the drop_pages fault's cut: list routes pass their full list through it
    keep: Callable[[list[Any]], list[Any]] = lambda records: records

    def arg(self, name: str) -> str | None:
        """A query parameter, or else a parameter of a JSON-RPC body's `params`."""
        found = self.incoming.arg(name)
        body = self.incoming.json
        if found is None and isinstance(body, dict) and isinstance(body.get("params"), dict):
            value = body["params"].get(name)
            found = None if value is None else str(value)
        return found


RouteFunction = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    function: RouteFunction
    kind: str = DATA
    listing: Pager | None = None  # how the list is paged; None for anything but a list
    operation: str | None = None  # the call on a path that serves several (see `FakeVendor.operation_of`)

    def match(self, path: str) -> dict[str, str] | None:
        found = _compiled(self.pattern).fullmatch(path)
        return found.groupdict() if found else None

    @property
    def reads(self) -> bool:
        """Whether calling this route can change nothing at the vendor."""
        return self.method in ("GET", "HEAD") or self.kind in (READ, TOKEN)


class BadQuery(ValueError):
    """A query the vendor refuses with a 400; `field` is the parameter at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def whole_number(call: Call, name: str, default: int | None, *, minimum: int = 0) -> int | None:
    """An integer parameter (query or JSON-RPC params), `default` when absent; `BadQuery` otherwise."""
    text = call.arg(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, not {text!r}", name) from None
    if value < minimum:
        raise BadQuery(f"{name} must be at least {minimum}, not {value}", name)
    return value


def detail(records: Callable[[Call], list[dict[str, Any]]], missing: Callable[[Call, str], Reply],
           param: str = "id", key: str = "id") -> RouteFunction:
    """A detail route: the record whose `key` is the path's `param`, or the vendor's 404."""

    def route(call: Call) -> Reply:
        wanted = call.params[param]
        found = next((r for r in records(call) if str(r.get(key)) == wanted), None)
        return Reply(200, found) if found is not None else missing(call, wanted)

    return route


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _PATTERNS:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        _PATTERNS[pattern] = re.compile(regex)
    return _PATTERNS[pattern]
