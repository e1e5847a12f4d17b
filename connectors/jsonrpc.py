"""JSON-RPC 2.0 reads: a declared method name becomes a POST, its answer's `result` or `error` unwrapped.

A vendor whose API is JSON-RPC (Bitdefender GravityZone, N-able Cove) declares each read method as
an endpoint with `call()`, subclasses `JsonRpc`, and reads with `rpc_items` / `rpc_result`:

    companies = call("v1.0/jsonrpc/network", "getNetworkInventoryItems", items_at="result.items",
                     paging=RpcPages(), filters={"type": {"companies": True}})
    for company in self.rpc_items(self.companies):
        ...
    usage = self.rpc_result(self.monthly_usage, companyId="5a4f…")

Each call POSTs `{"id", "jsonrpc": "2.0", "method", "params"}`; the method is the declared one (the
read-only contract test allows exactly the declared methods, `Connector.read_posts`), and only its
`params` may be filled at run time. An answer carrying `error` (with an HTTP error status or, as some
vendors do, a 200) is shown in words: the error's message and `data`, what its code means, and what
the HTTP status means for the user. `RpcPages` pages by numbers in `params` (`page`, `perPage`) and
stops at the result's page count, or at a short page where the result gives none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from connectors.base import Connector
from connectors.endpoints import Endpoint, Item
from connectors.errors import BadResponse
from connectors.paging import Paginator, dig

VERSION = "2.0"
REQUEST_ID = "billrec"
# what the JSON-RPC 2.0 specification's codes mean (-32000 to -32099 are the server's own)
CODES = {-32700: "the vendor could not parse the request", -32600: "the request was no valid JSON-RPC call",
         -32601: "the vendor has no such method", -32602: "the vendor refused a parameter",
         -32603: "the vendor failed inside", -32000: "the vendor's server reported an error"}


def call(path: str, method: str, *, items_at: str | None = None, paging: Paginator | None = None,
         **params: Any) -> Endpoint:
    """A declared JSON-RPC read: `method` POSTed to `path` with `params` (more may be added per call)."""
    body = {"id": REQUEST_ID, "jsonrpc": VERSION, "method": method, "params": params}
    return Endpoint(path, method="POST", body=body, items_at=items_at, paging=paging)


def with_params(body: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """A call's body with `params` added to (or replacing some of) the declared ones."""
    return {**body, "params": {**(body.get("params") or {}), **params}}


def said(error: Any) -> str:
    """A JSON-RPC error object in words: `Invalid params: Invalid value for perPage… (code -32602: …)`."""
    if not isinstance(error, dict):
        return str(error or "")
    message = str(error.get("message") or "").strip()
    data = error.get("data")
    details = data.get("details") or data.get("message") if isinstance(data, dict) else data
    text = ": ".join(str(part).strip() for part in (message, details) if part not in (None, ""))
    code = error.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        meaning = CODES.get(code, CODES[-32000] if -32099 <= code <= -32000 else "")
        text += f" (code {code}{': ' + meaning if meaning else ''})"
    return text.strip()


@dataclass(frozen=True)
class RpcPages:
    """Page numbers in the call's `params`: `{"page": 1, "perPage": 100}`, from `start`.

    Sample result: `{"page": 1, "pagesCount": 3, "perPage": 100, "total": 230, "items": […]}`; the page
    that reaches `pagesCount` is the last (0 when there are none); without a count, a short page is.
    The URL never moves, so `next_url` has nothing to say: `http.VendorClient.items` asks `next_body`.
    """

    page: str = "page"
    size_param: str = "perPage"
    size: int = 100
    start: int = 1
    pages_at: str = "result.pagesCount"

    def first(self, url: httpx.URL) -> httpx.URL:
        return url

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        return None

    def first_body(self, body: Mapping[str, Any] | None) -> dict[str, Any]:
        return with_params(body or {}, {self.page: self.start, self.size_param: self.size})

    def next_body(self, sent: Mapping[str, Any], body: Any, items: list[Any]) -> dict[str, Any] | None:
        current = int(sent["params"][self.page])
        total = dig(body, self.pages_at)
        if isinstance(total, int) and not isinstance(total, bool):
            if current - self.start + 1 >= total:
                return None
        elif len(items) < self.size:
            return None
        return with_params(sent, {self.page: current + 1})


class JsonRpc(Connector):
    """A connector whose reads are JSON-RPC calls: answers unwrapped, errors in words.

    `words` says what an HTTP status means for the user, beside the JSON-RPC error's own words.
    """

    words: ClassVar[dict[int, str]] = {}

    def rpc_items(self, endpoint: Endpoint, **params: Any) -> Iterator[Item]:
        """Every item a declared list call gives, page by page, with `params` added to its declared ones."""
        return self.items(endpoint, body=with_params(endpoint.body or {}, params))

    def rpc_result(self, endpoint: Endpoint, **params: Any) -> Any:
        """The `result` of a declared call, with `params` added to its declared ones."""
        return self.one(endpoint, body=with_params(endpoint.body or {}, params)).get("result")

    def check_response(self, response: httpx.Response, body: Any) -> None:
        where = f"{response.request.method} {response.request.url.path} answered {response.status_code}"
        if not isinstance(body, dict):
            raise BadResponse(f"{where} with no JSON-RPC object", status=response.status_code)
        if body.get("error") is not None:
            method = _method_of(response.request) or "the call"
            raise BadResponse(f"{where}: {method} failed: {said(body['error'])}", status=response.status_code)
        if "result" not in body:
            raise BadResponse(f"{where} with neither a result nor an error", status=response.status_code)

    def describe_error(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None  # a gateway's HTML page is no message: its status says more
        text = said(body.get("error")) if isinstance(body, dict) and body.get("error") is not None else ""
        meaning = self.words.get(response.status_code)
        if text and meaning:
            return f"{text}: {meaning}"
        return text or meaning or response.reason_phrase


def _method_of(request: httpx.Request) -> str:
    """The JSON-RPC method a request called (its own body), for naming the call that failed."""
    try:
        sent = json.loads(request.content or b"null")
    except ValueError:
        return ""
    return str(sent.get("method") or "") if isinstance(sent, dict) else ""
