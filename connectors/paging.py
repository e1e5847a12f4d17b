"""Paging styles: each one turns the last page into the URL of the next, or None when done.

The shared loop in `http.VendorClient.items` stops on an empty page, refuses a URL it has
already fetched (a cursor that does not move) and gives up at a page ceiling, so one
strategy object only answers: "given this page, where is the next one?"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx


class Paginator(Protocol):
    def first(self, url: httpx.URL) -> httpx.URL:
        """The first page's URL: the request URL with the page-size parameters added."""
        ...

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        """The next page's URL, or None when `response` was the last page."""
        ...


def dig(body: Any, path: str | None) -> Any:
    """`dig({"page": {"totalPages": 3}}, "page.totalPages")` → 3; a missing key gives None."""
    if not path:
        return body
    for key in path.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


@dataclass(frozen=True)
class PageNumber:
    """`?page=N&pageSize=S`, numbered from `start`.

    Without `total_pages_at`, a short page is the last one (ConnectWise: `[{"id": 1}, …]`).
    With it, the body says how many pages there are (Pax8:
    `{"content": […], "page": {"size": 200, "totalElements": 431, "totalPages": 3, "number": 0}}`).
    With `total_items_at`, the body says how many records there are, and the page that reaches
    that count is the last (HaloPSA: `{"record_count": 431, "clients": […]}`); a body without the
    count falls back to the short-page rule. With `size_at` too, the page size the body says it
    served is the one counted (Webroot: `{"TotalAvailable": 48, "PageNr": 1, "PageSize": 50, …}`),
    so a vendor that serves fewer than asked is still read to the end.
    """

    param: str = "page"
    size_param: str = "pageSize"
    size: int = 1000
    start: int = 1
    total_pages_at: str | None = None
    total_items_at: str | None = None
    size_at: str | None = None

    def first(self, url: httpx.URL) -> httpx.URL:
        return url.copy_merge_params({self.param: self.start, self.size_param: self.size})

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        current = int(response.request.url.params.get(self.param, self.start))
        if self.total_pages_at:
            total = dig(body, self.total_pages_at)
            if not isinstance(total, int) or current - self.start + 1 >= total:
                return None
        elif self.total_items_at and isinstance(total := dig(body, self.total_items_at), int):
            served = dig(body, self.size_at) if self.size_at else None
            size = served if isinstance(served, int) and not isinstance(served, bool) and served > 0 else self.size
            if (current - self.start + 1) * size >= total:
                return None
        elif len(items) < self.size:  # no count (or none declared): a short page is the last one
            return None
        return response.request.url.copy_set_param(self.param, current + 1)


@dataclass(frozen=True)
class Offset:
    """`?offset=N&limit=S`; a short page is the last one. Sample: `{"items": […], "total": 812}`.

    With `total_at` (Veeam's `meta.pagingInfo.total`), the body's count of all items ends the list too:
    `offset + len(items) >= total`, so a full last page costs no empty request after it.
    """

    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = 100
    total_at: str | None = None

    def first(self, url: httpx.URL) -> httpx.URL:
        return url.copy_merge_params({self.offset_param: 0, self.limit_param: self.limit})

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        if len(items) < self.limit:
            return None
        offset = int(response.request.url.params.get(self.offset_param, 0))
        total = dig(body, self.total_at) if self.total_at else None
        if isinstance(total, int) and not isinstance(total, bool) and offset + len(items) >= total:
            return None
        return response.request.url.copy_set_param(self.offset_param, offset + len(items))


@dataclass(frozen=True)
class PageCount:
    """`?page=N` alone: the vendor fixes the page size, and the body may say how many pages there are.

    Sample (Syncro): `{"customers": […], "meta": {"total_pages": 3, "total_entries": 61, "per_page": 25,
    "page": 1}}`. With the count, `page >= total_pages` is the last page; a body without one (Syncro's
    products example has no `meta`) is followed page by page until a page comes back empty, since a
    size the client never chose cannot tell a short page.
    """

    param: str = "page"
    start: int = 1
    total_pages_at: str = "meta.total_pages"

    def first(self, url: httpx.URL) -> httpx.URL:
        return url.copy_merge_params({self.param: self.start})

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        current = int(response.request.url.params.get(self.param, self.start))
        total = dig(body, self.total_pages_at)
        if isinstance(total, int) and not isinstance(total, bool) and current - self.start + 1 >= total:
            return None
        return response.request.url.copy_set_param(self.param, current + 1)


@dataclass(frozen=True)
class IdCursor:
    """`?pageSize=S&after=<id of the last item>`; items come ordered by id (NinjaOne).

    Sample: `GET /v2/devices?pageSize=2&after=100` → `[{"id": 101, …}, {"id": 102, …}]`.
    """

    param: str = "after"
    size_param: str = "pageSize"
    size: int = 1000
    id_field: str = "id"

    def first(self, url: httpx.URL) -> httpx.URL:
        return url.copy_merge_params({self.size_param: self.size})

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        if len(items) < self.size:
            return None
        return response.request.url.copy_set_param(self.param, items[-1][self.id_field])


@dataclass(frozen=True)
class BodyCursor:
    """An opaque cursor in the body, sent back as a parameter (SentinelOne).

    Sample: `{"data": […], "pagination": {"nextCursor": "YWdlbnRfaWQ6…", "totalItems": 512}}`.
    """

    at: str = "pagination.nextCursor"
    param: str = "cursor"
    size_param: str = "limit"
    size: int = 1000

    def first(self, url: httpx.URL) -> httpx.URL:
        return url.copy_merge_params({self.size_param: self.size})

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        cursor = dig(body, self.at)
        if not cursor:
            return None
        return response.request.url.copy_set_param(self.param, cursor)


@dataclass(frozen=True)
class NextLink:
    """The next page's full URL in the body (Microsoft Graph, Autotask).

    Sample: `{"value": […], "@odata.nextLink": "https://graph.microsoft.com/v1.0/…&$skiptoken=X"}`.
    `at` is a key of the body, or else a dotted path (`"pageDetails.nextPageUrl"`).

    `follow` says where the next pages of a list are, as a path relative to the list's own
    (`"{path}/next"`: Autotask's `…/Companies/query` pages on at `…/Companies/query/next`), and
    makes a read POST's next pages join its allow-list (`Connector.read_posts`). With it, a next
    link must stay on the list's own path or under it, in any letter case (a vendor that says its
    links are opaque, and whose paths ignore case, may vary the tail); elsewhere it is refused.
    Without it (the default) the link may point anywhere on the host.
    """

    at: str = "@odata.nextLink"
    follow: str | None = None

    def first(self, url: httpx.URL) -> httpx.URL:
        return url

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        link = (body.get(self.at) if self.at in body else dig(body, self.at)) if isinstance(body, dict) else None
        return response.request.url.join(link) if link else None

    def following(self, path: str) -> str | None:
        """The path a list at `path` pages on at, when the style declares one."""
        return self.follow.format(path=path.rstrip("/")) if self.follow else None

    def follows(self, link: httpx.URL, first: httpx.URL) -> bool:
        """Whether `link` is a next page of the list whose first page is at `first`."""
        if self.follow is None:
            return True
        own, path = first.path.rstrip("/").lower(), link.path.rstrip("/").lower()
        return path == own or path.startswith(own + "/")


@dataclass(frozen=True)
class ContinuationLink:
    """A `links.next` object in the body: a URI under the API root, its method, and headers to send (Partner Center).

    Sample: `{"items": […], "links": {"next": {"uri": "/customers?size=500&seekOperation=Next", "method": "GET",
    "headers": [{"key": "MS-ContinuationToken", "value": "AQAAAA=="}]}}}`. The URI is relative to the API root
    (`/v1`), so the next page's path is the list's own; a URI given from the host (`/v1/customers?…`) is read as
    that. Every `headers` entry goes with the next request (`next_headers`): the next page's URI is often the
    same as the one before and only the continuation token moves, so the shared loop tells pages apart by URI
    and headers together. A next link asking for anything but a GET is refused, being a call no connector
    declared; one off the list's own path is refused by `follows`.
    """

    at: str = "links.next"
    size_param: str | None = "size"
    size: int = 500

    def first(self, url: httpx.URL) -> httpx.URL:
        return url.copy_merge_params({self.size_param: self.size}) if self.size_param else url

    def link(self, body: Any) -> dict[str, Any] | None:
        found = dig(body, self.at)
        return found if isinstance(found, dict) and found.get("uri") else None

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        link = self.link(body)
        if link is None:
            return None
        method = str(link.get("method") or "GET").upper()
        if method != "GET":
            raise ValueError(f"gave a next page to {method}, which is no read; stopping")
        uri = httpx.URL(str(link["uri"]))
        current = response.request.url.path
        # the URI is under the API root: where the list's own path ends with it, the rest in front is that root
        root = current[: len(current) - len(uri.path)] if current.lower().endswith(uri.path.lower()) else ""
        return response.request.url.join(root + "/" + uri.raw_path.decode("ascii").lstrip("/"))

    def next_headers(self, body: Any) -> dict[str, str]:
        """The headers the next page must carry: `MS-ContinuationToken` and any other the link names."""
        link = self.link(body) or {}
        return {str(h["key"]): str(h.get("value") or "") for h in link.get("headers") or []
                if isinstance(h, dict) and h.get("key")}

    def follows(self, link: httpx.URL, first: httpx.URL) -> bool:
        """A next page is the same list: the same path, in any letter case."""
        return link.path.rstrip("/").lower() == first.path.rstrip("/").lower()


@dataclass(frozen=True)
class LinkHeader:
    """An RFC 8288 `Link` header with `rel="next"` (ConnectWise forward-only paging).

    Sample: `Link: <https://…/company/companies?pageSize=1000&pageId=2001>; rel="next"`.
    """

    rel: str = "next"
    size_param: str = "pageSize"
    size: int = 1000

    def first(self, url: httpx.URL) -> httpx.URL:
        return url.copy_merge_params({self.size_param: self.size})

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        link = response.links.get(self.rel)
        return response.request.url.join(link["url"]) if link and link.get("url") else None


@dataclass(frozen=True)
class Unpaged:
    """The whole list in one response: `GET /v1.0/subscribedSkus` → `{"value": […]}`."""

    def first(self, url: httpx.URL) -> httpx.URL:
        return url

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        return None
