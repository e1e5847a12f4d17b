"""JSON-RPC 2.0 behind a session visa, for fake vendors (N-able Cove's `/jsonapi`).

    Route("POST", "/jsonapi", login, kind=TOKEN, operation="Login")
    list_route("POST", "/jsonapi", devices, RecordRange(), respond=answered(VISAS), kind=READ,
               operation="EnumerateAccountStatistics")

Every call is a POST of `{"jsonrpc": "2.0", "id", "method", "params"}` to one path; the route is
chosen by the body's `method` (`JsonRpcVendor.operation_of`), so a method no route declares is no read.
`Login` issues a visa; every later call must carry a valid one at the top level (`VisaAuth`), and
every answer carries a new one (`answered`), as the vendor chains them. Visas idle out after the
issuer's lifetime. Errors are `error` objects (`error_body`), with HTTP 200 where the vendor says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.jsonrpc import envelope
from sandbox.paging import MAX_PAGES, Fetch
from sandbox.routing import BadQuery, Call, Incoming, Reply
from sandbox.tokens import TokenIssuer


def params_of(incoming: Incoming) -> dict[str, Any]:
    sent = incoming.json
    params = sent.get("params") if isinstance(sent, dict) else None
    return params if isinstance(params, dict) else {}


def error_body(incoming: Incoming, code: int, message: str, data: Any = None) -> dict[str, Any]:
    """An error object in the vendor's own words (its code, its message), where `JsonRpcVendor.error`'s
    standard ones would not do."""
    return envelope(incoming, error={"code": code, "message": message, "data": data})


def result_body(incoming: Incoming, result: Any, visa: str | None) -> dict[str, Any]:
    """`{"id", "jsonrpc", "visa", "result": {"result": …}}`, the answer shape the vendor nests."""
    return envelope(incoming, **({"visa": visa} if visa else {}), result={"result": result})


def answered(visas: TokenIssuer) -> Callable[[Call, Any, dict[str, str]], Reply]:
    """A list route's answer: the page as the `result`, with a newly issued visa."""
    return lambda call, page, headers: Reply(200, result_body(call.incoming, page, visas.issue()), headers)


@dataclass(frozen=True)
class VisaAuth:
    """Every call but the login carries a visa `visas` issued and that has not idled out."""

    visas: TokenIssuer

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        sent = incoming.json
        visa = sent.get("visa") if isinstance(sent, dict) else None
        if not isinstance(visa, str) or not self.visas.valid(visa):
            return "no valid visa"
        return None

    def sign(self, request: httpx.Request, login: Callable[[], str]) -> None:
        """Put a fresh visa into a raw request's JSON body (its content is rebuilt); the visa is issued
        in process, as a `Login` would issue it, since no OAuth grant stands behind `login`."""
        try:
            sent = json.loads(request.content or b"{}")
        except ValueError:
            return
        if isinstance(sent, dict):
            sent["visa"] = self.visas.issue()
            content = json.dumps(sent).encode()
            request.headers["Content-Length"] = str(len(content))
            request._content = content  # noqa: SLF001 - httpx has no public way to replace a built body
            request.stream = httpx.ByteStream(content)


@dataclass(frozen=True)
class RecordRange:
    """`params.query.StartRecordNumber` (from 0) and `RecordsCount`; the client stops at a short page."""

    start: str = "StartRecordNumber"
    count: str = "RecordsCount"
    within: str = "query"

    @property
    def needs(self) -> dict[str, Any]:
        """The query a bare raw call must carry (the vendor takes none without): everything at once."""
        return {self.within: {self.start: 0, self.count: MAX_PAGES}}

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        query = params_of(call.incoming).get(self.within)
        if not isinstance(query, dict):
            raise BadQuery(f"params.{self.within} is required", self.within)
        start, count = query.get(self.start, 0), query.get(self.count)
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            raise BadQuery(f"{self.start} must be a whole number from 0", self.start)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BadQuery(f"{self.count} must be a whole number from 1", self.count)
        return list(rows[start:start + count]), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        start = 0
        for _ in range(MAX_PAGES):
            page = fetch({self.within: {self.start: start, self.count: size}}).json()["result"]["result"]
            yield from page
            if len(page) < size:
                return
            start += size
        raise AssertionError("the records never ended")
