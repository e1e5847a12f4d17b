"""Paging styles, each once: how a fake slices a list for a request, and how a client walks it.

    LinkHeaderPages()     ?page=2&pageSize=25 (from 1); a bare array and a `Link` header (rel next/last)
    IdCursor()            ?pageSize=100&after=<id>; a bare array ordered by id; no size: everything
    PageNumber(...)       ?page=0&size=10 (from `first`); the envelope says where items and totals go
    FixedPages(...)       ?page=1 alone; the vendor's own page size, whatever else the client sends
    Offset(...)           ?offset=0&limit=100; the envelope carries the total
    BodyCursor(...)       ?limit=1000&cursor=<opaque>; the envelope carries the next cursor
    NextLink(...)         the envelope carries the next page's URL
    ContinuationPages(...)  `links.next`: a URI under the API root and a continuation header to send with it
    Whole()               no paging: the whole list in one answer, whatever the client asks for
    XmlWhole("client")    no paging, in an XML document (N-sight): the vendor's `respond` writes it

`serve(rows, call)` answers one request (body, extra headers) or raises `BadQuery`; `walk(fetch,
size)` is a client of the style, yielding every record, so tests can walk any fake's lists
without knowing which vendor it is. An envelope's `items_at` tells the walker where the records are.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from sandbox import xmldoc
from sandbox.routing import BadQuery, Call, Reply, Route, whole_number

JSON = dict[str, Any]


@dataclass(frozen=True)
class Follow:
    """A next page as a path under the API's base URL with headers it must carry (a continuation token)."""

    path: str
    headers: dict[str, str]


Fetch = Callable[[dict[str, Any] | str | Follow], httpx.Response]  # list params, an absolute URL, or a Follow
MAX_PAGES = 100_000


@dataclass(frozen=True)
class Page:
    """One page's facts, for an envelope to put where its vendor does."""

    items: list[Any]
    number: int  # the page number, offset or position asked for
    size: int
    total: int
    next: Any = None  # the next cursor or URL (or link object), where the style has one


def bare(page: Page) -> Any:
    return page.items


@dataclass(frozen=True)
class Envelope:
    wrap: Callable[[Page], Any] = bare
    items_at: str = ""  # dotted path to the records in a page's body; "" for a bare array
    next_at: str = ""  # dotted path to the next cursor or URL

    def items(self, body: Any) -> list[Any]:
        return list(at(body, self.items_at) or [])


class Pager(Protocol):
    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]: ...

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]: ...


@dataclass(frozen=True)
class LinkHeaderPages:
    """ConnectWise style. Past the end is an empty page; a size above `maximum` is cut to it."""

    page: str = "page"
    size: str = "pageSize"
    first: int = 1
    default: int = 25
    maximum: int = 1000

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        size = min(whole_number(call, self.size, self.default, minimum=1) or self.default, self.maximum)
        page = whole_number(call, self.page, self.first, minimum=self.first) or self.first
        start = (page - self.first) * size
        link = link_header(call.incoming.url, call.incoming.query, page, size, len(rows), (self.page, self.size))
        return list(rows[start:start + size]), {"Link": link} if link else {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        answer = fetch({self.size: size})
        for _ in range(MAX_PAGES):
            yield from answer.json()
            following = answer.links.get("next")
            if not following:
                return
            answer = fetch(following["url"])
        raise AssertionError("the Link header never ended")


def link_header(url: str, query: Any, page: int, size: int, total: int, names: tuple[str, str]) -> str | None:
    """`<…?page=2&pageSize=25>; rel="next", <…?page=4…>; rel="last"`, keeping the rest of the query."""
    if total == 0:
        return None
    last = max(1, math.ceil(total / size))
    kept = [(k, v) for k, values in query.items() if k.lower() not in {n.lower() for n in names} for v in values]

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode(kept + [(names[1], str(size)), (names[0], str(number))])}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(1, "first"), link(min(page - 1, last), "prev")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    return ", ".join(links) or None


@dataclass(frozen=True)
class IdCursor:
    """NinjaOne style: records above the `after` id, up to `size` of them (all without a size)."""

    after: str = "after"
    size: str = "pageSize"
    key: str = "id"

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        after = whole_number(call, self.after, None, minimum=-(2**63))
        size = whole_number(call, self.size, None, minimum=-(2**63))
        if size is not None and size < 1:
            raise BadQuery(f"{self.size} must be at least 1", self.size)
        following = [r for r in rows if after is None or r[self.key] > after]
        return (following if size is None else following[:size]), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        params: dict[str, Any] = {self.size: size}
        for _ in range(MAX_PAGES):
            page = fetch(params).json()
            yield from page
            if len(page) < size:
                return
            params[self.after] = page[-1][self.key]
        raise AssertionError("the cursor never ended")


@dataclass(frozen=True)
class PageNumber:
    """Page numbers from `first`, `size` per page between 1 and `maximum` (else a 400)."""

    envelope: Envelope = Envelope()
    page: str = "page"
    size: str = "size"
    first: int = 0
    default: int = 10
    maximum: int = 200

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        size = _sized(call, self.size, self.default, self.maximum)
        page = whole_number(call, self.page, self.first, minimum=self.first) or self.first
        start = (page - self.first) * size
        return self.envelope.wrap(Page(list(rows[start:start + size]), page, size, len(rows))), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        return _numbered(fetch, self.envelope, size, lambda n: {self.page: self.first + n, self.size: size})


@dataclass(frozen=True)
class FixedPages:
    """Page numbers from `first` and a size the client cannot choose (Syncro: 25 a page); past the end
    is an empty page. The walker follows pages until one comes back empty, as a client must where the
    envelope may carry no count."""

    envelope: Envelope = Envelope()
    page: str = "page"
    first: int = 1
    size: int = 25

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        page = whole_number(call, self.page, self.first, minimum=self.first) or self.first
        start = (page - self.first) * self.size
        return self.envelope.wrap(Page(list(rows[start:start + self.size]), page, self.size, len(rows))), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        for n in range(MAX_PAGES):
            items = self.envelope.items(fetch({self.page: self.first + n}).json())
            if not items:
                return
            yield from items
        raise AssertionError("the pages never ended")


@dataclass(frozen=True)
class Offset:
    """`offset` (from 0) and `limit` (1 to `maximum`), the envelope carrying the total."""

    envelope: Envelope = Envelope()
    offset: str = "offset"
    limit: str = "limit"
    default: int = 100
    maximum: int = 500

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        limit = _sized(call, self.limit, self.default, self.maximum)
        offset = whole_number(call, self.offset, 0) or 0
        return self.envelope.wrap(Page(list(rows[offset:offset + limit]), offset, limit, len(rows))), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        return _numbered(fetch, self.envelope, size, lambda n: {self.offset: n * size, self.limit: size})


@dataclass(frozen=True)
class BodyCursor:
    """An opaque cursor in the body (`next_at`), sent back as `cursor`; a null cursor ends the list."""

    envelope: Envelope
    cursor: str = "cursor"
    limit: str = "limit"
    default: int = 10
    maximum: int = 1000

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        limit = _sized(call, self.limit, self.default, self.maximum)
        start = _position(call.arg(self.cursor), self.cursor)
        following = start + limit if start + limit < len(rows) else None
        return self.envelope.wrap(Page(list(rows[start:start + limit]), start, limit, len(rows),
                                       _cursor(following) if following is not None else None)), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        return _chained(fetch, self.envelope, {self.limit: size}, lambda cursor: {self.limit: size, self.cursor: cursor})


@dataclass(frozen=True)
class NextLink:
    """The next page's absolute URL in the body (`next_at`), carrying an opaque `token` parameter."""

    envelope: Envelope
    token: str = "paging"
    size: str = "size"
    default: int = 500
    maximum: int = 500

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        size = min(whole_number(call, self.size, self.default, minimum=1) or self.default, self.maximum)
        start = _position(call.arg(self.token), self.token)
        following = None
        if start + size < len(rows):
            query = [(k, v) for k, vs in call.incoming.query.items() if k != self.token for v in vs]
            following = f"{call.incoming.url}?{urlencode(query + [(self.token, _cursor(start + size))])}"
        return self.envelope.wrap(Page(list(rows[start:start + size]), start, size, len(rows), following)), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        return _chained(fetch, self.envelope, {self.size: size}, lambda url: url)


@dataclass(frozen=True)
class ContinuationPages:
    """Partner Center style: `?size=N` on the first page, then each page's `links.next` (`next_at`): a URI
    relative to the API root (`root`) with `seekOperation=Next`, its method, and the continuation header the
    next request must carry. The URI stays the same page after page; only the token moves. `seekOperation=Next`
    without a token this API issued is refused; past the end there is no `next`."""

    envelope: Envelope
    header: str = "MS-ContinuationToken"
    size: str = "size"
    default: int = 100
    maximum: int = 500
    root: str = "/v1"

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        seeking = (call.arg("seekOperation") or "").lower() == "next"
        token = call.incoming.header(self.header)
        if seeking and not token:
            raise BadQuery(f"seekOperation=Next needs the {self.header} header of the page before", self.header)
        start = _position(token, self.header) if seeking else 0
        size = min(whole_number(call, self.size, self.default, minimum=1) or self.default, self.maximum)
        following = None
        if start + size < len(rows):
            query = [(k, v) for k, vs in call.incoming.query.items() if k.lower() != "seekoperation" for v in vs]
            following = {"uri": f"{call.incoming.path.removeprefix(self.root)}?"
                                f"{urlencode(query + [('seekOperation', 'Next')])}",
                         "method": "GET", "headers": [{"key": self.header, "value": _cursor(start + size)}]}
        return self.envelope.wrap(Page(list(rows[start:start + size]), start, size, len(rows), following)), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        return _chained(fetch, self.envelope, {self.size: size},
                        lambda link: Follow(link["uri"], {h["key"]: h["value"] for h in link["headers"]}))


@dataclass(frozen=True)
class Whole:
    """A list served whole, with no paging parameters (Datto's SaaS lists: `[{…}, {…}]`)."""

    envelope: Envelope = Envelope()

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        return self.envelope.wrap(Page(list(rows), 0, len(rows), len(rows))), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        yield from self.envelope.items(fetch({}).json())


@dataclass(frozen=True)
class XmlWhole:
    """An XML API's unpaged list: every record in one answer, as `item` elements (`sandbox.xmldoc`)."""

    item: str

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        return list(rows), {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        yield from xmldoc.records(fetch({}).content, self.item)


def _sized(call: Call, name: str, default: int, maximum: int) -> int:
    size = whole_number(call, name, default) or 0
    if not 1 <= size <= maximum:
        raise BadQuery(f"{name} must be between 1 and {maximum}", name)
    return size


def _numbered(fetch: Fetch, envelope: Envelope, size: int, params: Callable[[int], dict[str, Any]]) -> Iterator[Any]:
    """Fetch page after page (`params(n)` for the n-th) until one comes back short."""
    for n in range(MAX_PAGES):
        items = envelope.items(fetch(params(n)).json())
        yield from items
        if len(items) < size:
            return
    raise AssertionError("the pages never ended")


def _chained(fetch: Fetch, envelope: Envelope, first: dict[str, Any],
             step: Callable[[Any], dict[str, Any] | str | Follow]) -> Iterator[Any]:
    """Fetch `first`, then whatever each body's `next_at` leads to, until it leads nowhere."""
    request: dict[str, Any] | str | Follow = first
    for _ in range(MAX_PAGES):
        body = fetch(request).json()
        yield from envelope.items(body)
        following = at(body, envelope.next_at)
        if not following:
            return
        request = step(following)
    raise AssertionError("the next pages never ended")


def at(body: Any, path: str) -> Any:
    """`at({"page": {"next": 3}}, "page.next")` → 3; "" is the body itself; a missing key is None. A key
    that holds dots itself (Graph's `@odata.nextLink`) is found whole."""
    if isinstance(body, dict) and path and path in body:
        return body[path]
    for key in filter(None, path.split(".")):
        body = body.get(key) if isinstance(body, dict) else None
    return body


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"at:{position}".encode()).decode()


def _position(cursor: str | None, name: str) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith("at:"):
            return int(text[3:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise BadQuery(f"{name} is not a cursor this API issued", name)


def list_route(method: str, pattern: str, records: Callable[[Call], Sequence[Any]], pager: Pager, *,
               respond: Callable[[Call, Any, dict[str, str]], Reply] | None = None, **route: Any) -> Route:
    """A list route: `records` (after the drop_pages fault's cut) paged by `pager`, answered by
    `respond` (default: plain JSON with the pager's headers)."""

    def answer(call: Call) -> Reply:
        body, headers = pager.serve(call.keep(list(records(call))), call)
        return respond(call, body, headers) if respond else Reply(200, body, headers)

    return Route(method, pattern, answer, listing=pager, **route)
