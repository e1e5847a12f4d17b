"""JSON-RPC 2.0 for fake vendors: routes by method, answers in the envelope, refusals as error objects.

    rpc_list("/v1.0/jsonrpc/network", "getEndpointsList", endpoints, RPC_PAGES)
    rpc_route("/v1.0/jsonrpc/licensing", "getMonthlyUsage", monthly_usage)   # function → the result

Every call is a POST of `{"id", "jsonrpc": "2.0", "method", "params"}` to one path per API; the
route is chosen by the body's `method` (`JsonRpcVendor.operation_of`), so a method no route
declares is refused (-32601, "Method not found") and never reaches a route: nothing a fake does not
declare as a read can be called. A route function returns the `result`; the envelope (the call's
own `id`) is added here. Parameters are read from `params` (`Call.arg`); a refused one is -32602
"Invalid params" with the reason in `data.details`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sandbox.paging import Envelope, Page, Pager, PageNumber, list_route
from sandbox.routing import READ, BadQuery, Call, Incoming, Reply, Route
from sandbox.vendor import FakeVendor

VERSION = "2.0"
PARSE, INVALID, NO_METHOD, BAD_PARAMS, SERVER = -32700, -32600, -32601, -32602, -32000
MESSAGES = {PARSE: "Parse error", INVALID: "Invalid Request", NO_METHOD: "Method not found",
            BAD_PARAMS: "Invalid params", SERVER: "Server error"}


def envelope(incoming: Incoming, **outcome: Any) -> dict[str, Any]:
    """`{"id": <the call's id>, "jsonrpc": "2.0", "result" | "error": …}`."""
    sent = incoming.json
    return {"id": sent.get("id") if isinstance(sent, dict) else None, "jsonrpc": VERSION, **outcome}


def page_result(page: Page) -> dict[str, Any]:
    """A paged result: `{"page", "pagesCount", "perPage", "total", "items"}` (pagesCount 0 when empty)."""
    pages = -(-page.total // page.size) if page.size else 0
    return {"page": page.number, "pagesCount": pages, "perPage": page.size, "total": page.total,
            "items": page.items}


def numbered_pages(default: int = 30, maximum: int = 100) -> PageNumber:
    """`page` (from 1) and `perPage` in `params`; results as `page_result` shapes them."""
    return PageNumber(Envelope(page_result, items_at="result.items"), page="page", size="perPage", first=1,
                      default=default, maximum=maximum)


def rpc_route(path: str, method: str, function: Callable[[Call], Any]) -> Route:
    """A declared read method whose function gives the `result`."""

    def answer(call: Call) -> Reply:
        return Reply(200, envelope(call.incoming, result=function(call)))

    return Route("POST", path, answer, kind=READ, operation=method)


def rpc_list(path: str, method: str, records: Callable[[Call], Sequence[Any]], pager: Pager) -> Route:
    """A declared read method answering a paged list (`pager` shapes the result)."""

    def respond(call: Call, result: Any, headers: dict[str, str]) -> Reply:
        return Reply(200, envelope(call.incoming, result=result), headers)

    return list_route("POST", path, records, pager, respond=respond, kind=READ, operation=method)


class JsonRpcVendor(FakeVendor):
    """A fake whose API is JSON-RPC: the method names the route, and refusals are error objects.

    `codes` maps an HTTP status to the JSON-RPC code the vendor sends with it.
    """

    codes: dict[int, int] = {400: BAD_PARAMS, 404: NO_METHOD}

    def operation_of(self, incoming: Incoming) -> str:
        sent = incoming.json
        method = sent.get("method") if isinstance(sent, dict) else None
        return method if isinstance(method, str) else ""

    def error(self, incoming: Incoming, status: int, message: str, code: int | None = None) -> Reply:
        code = code if code is not None else self.codes.get(status, SERVER)
        return Reply(status, envelope(incoming, error={"code": code, "message": MESSAGES.get(code, MESSAGES[SERVER]),
                                                       "data": {"details": message}}))

    def bad_query(self, incoming: Incoming, problem: BadQuery) -> Reply:
        return self.error(incoming, 400, str(problem), BAD_PARAMS)

    def not_found(self, incoming: Incoming) -> Reply:
        """An RPC path with no such method (or no call at all), else an unknown path."""
        if not any(route.match(incoming.path) is not None for route in self.routes if route.operation):
            return self.error(incoming, 404, f"{incoming.path} was not found")
        sent = incoming.json
        if not isinstance(sent, dict):
            return self.error(incoming, 400, "The request body is not a JSON object", PARSE)
        if sent.get("jsonrpc") != VERSION or not isinstance(sent.get("method"), str):
            return self.error(incoming, 400, 'A call needs "jsonrpc": "2.0" and a "method"', INVALID)
        return self.error(incoming, 404, f"The method {sent['method']!r} does not exist on {incoming.path}",
                          NO_METHOD)
