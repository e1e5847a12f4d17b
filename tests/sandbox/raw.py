"""Raw HTTP calls to any fake vendor, signed the way that vendor documents (its `auth`, and a token
from its `grant` when it has one), for tests that look at status codes, headers and bodies rather
than at what a connector makes of them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from sandbox import SandboxServer
from sandbox.auth import Signed
from sandbox.paging import Follow, Pager
from sandbox.routing import Route

# one kept-alive client for every raw call: a new httpx client per call costs ~25 ms
HTTP = httpx.Client(timeout=5.0)


def token(server: SandboxServer, kind: str, **changes: Any) -> httpx.Response:
    """A token request as the vendor's grant documents it, with `changes` to its fields (None drops one)."""
    vendor = server.vendors[kind]
    url, request = vendor.grant.request(server.url + vendor.prefix)  # type: ignore[union-attr]
    key = next((k for k in ("data", "json") if k in request), None)
    if key is None:  # a grant whose request has no body (a stored token in a header)
        return HTTP.post(url, **request)  # type: ignore[arg-type]
    fields = {k: v for k, v in ({**request[key], **changes}).items() if v is not None}  # type: ignore[dict-item]
    more = {k: v for k, v in request.items() if k != key}  # headers a grant wants too (a gateway's key)
    return HTTP.post(url, **{key: fields}, **more)  # type: ignore[arg-type]


class Raw:
    """Requests under one vendor's API base, with valid credentials unless told otherwise."""

    def __init__(self, server: SandboxServer, kind: str) -> None:
        self.server, self.kind = server, kind
        self.vendor = server.vendors[kind]
        self.base = server.base_url(kind)
        self._bearer: str | None = None
        self.auth = Signed(self.vendor.auth, self.login)

    def login(self) -> str:
        """This client's token, fetched once."""
        if self._bearer is None:
            self._bearer = self.vendor.grant.access_token(token(self.server, self.kind).json())
        return self._bearer

    def get(self, path: str, params: dict[str, Any] | None = None, *, timeout: float = 5.0,
            headers: dict[str, str] | None = None) -> httpx.Response:
        path, _, query = path.partition("?")  # a list's own query (`path(route)`) stays beside `params`
        path, _, method = path.partition("#")  # a JSON-RPC method (`path(route)`): its params go in the body
        params = {**self.needs(path, method), **dict(parse_qsl(query)), **(params or {})}
        if method:
            call = {"id": "raw", "jsonrpc": "2.0", "method": method, "params": params}
            return HTTP.post(self.base + path, json=call, timeout=timeout,
                             **({"headers": headers} if headers is not None else {"auth": self.auth}))
        if headers is not None:
            return HTTP.get(self.base + path, params=params, headers=headers, timeout=timeout)
        return HTTP.get(self.base + path, params=params, auth=self.auth, timeout=timeout)

    def needs(self, path: str, method: str = "") -> dict[str, Any]:
        """What a bare request for a list must carry where the vendor takes none without (Autotask's query,
        Cove's `params.query`); `method` names a JSON-RPC list's method."""
        route = self.vendor.route("POST" if method else "GET", self.vendor.api_root + path, method)[0]
        return dict(getattr(route.listing, "needs", {}) if route is not None else {})

    def follow(self, url: str) -> httpx.Response:
        """GET an absolute URL the vendor handed out (a `Link` header's, a next link)."""
        return HTTP.get(url, auth=self.auth)

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return HTTP.request(method, self.base + path, auth=self.auth, **kwargs)

    def walk(self, path: str, pager: Pager, size: int, **params: Any) -> list[Any]:
        """Every record of a list, paged as the vendor pages it."""
        def fetch(step: dict[str, Any] | str) -> httpx.Response:
            if isinstance(step, Follow):  # a next page the vendor names by path and headers (a continuation token)
                answer = HTTP.get(self.base + step.path, headers=step.headers, auth=self.auth)
            else:
                answer = self.follow(step) if isinstance(step, str) else self.get(path, {**params, **step})
            assert answer.status_code == 200, (answer.status_code, answer.text[:200])
            return answer

        return list(pager.walk(fetch, size))

    def lists(self) -> list[Route]:
        """The vendor's list routes that need no path parameter."""
        return [r for r in self.vendor.routes if r.listing is not None and "{" not in r.pattern]

    def path(self, route: Route) -> str:
        """A route's path under the connector's base URL, with the query a list cannot be read without."""
        query = self.vendor.list_query(route, self.server.world)
        method = f"#{route.operation}" if route.method == "POST" and route.operation else ""
        return route.pattern[len(self.vendor.api_root):] + method + (f"?{urlencode(query)}" if query else "")
