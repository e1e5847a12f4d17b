"""One helper per vendor paging style: slice an ordered list of records the way the vendor pages it.

    ConnectWise   ?page=2&pageSize=25 (from 1), a bare array, a `Link` header with rel next/last
    NinjaOne      ?pageSize=100&after=<id>, a bare array ordered by id, no total anywhere
    Pax8          ?page=0&size=10, `{"content": [...], "page": {size, totalElements, totalPages, number}}`
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

JSON = dict[str, Any]


def page_number(records: Sequence[JSON], page: int, size: int) -> list[JSON]:
    """Page `page` (from 1) of `size` records; past the end is an empty page."""
    return list(records[(page - 1) * size: page * size])


def link_header(url: str, query: dict[str, list[str]], page: int, size: int, total: int) -> str | None:
    """ConnectWise's navigable paging header, e.g. `<…?page=2&pageSize=25>; rel="next", <…?page=4…>; rel="last"`.

    Args:
        url: the list's absolute URL without a query.
        query: the request's query, kept on every link except for `page` and `pageSize`.
    """
    last = max(1, math.ceil(total / size))
    if total == 0:
        return None

    def link(number: int, rel: str) -> str:
        params = [(k, v) for k, values in query.items() if k.lower() not in ("page", "pagesize") for v in values]
        params += [("pageSize", str(size)), ("page", str(number))]
        return f'<{url}?{urlencode(params)}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(1, "first"), link(min(page - 1, last), "prev")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    return ", ".join(links) or None


def after_cursor(records: Sequence[JSON], after: int | None, size: int | None) -> list[JSON]:
    """NinjaOne: up to `size` records whose id is above `after` (records are ordered by id)."""
    following = [r for r in records if after is None or r["id"] > after]
    return following if size is None else following[:size]


def page_object(records: Sequence[JSON], page: int, size: int) -> JSON:
    """Pax8: page `page` (from 0) of `size` records in Pax8's envelope."""
    return {
        "content": list(records[page * size: (page + 1) * size]),
        "page": {"size": size, "totalElements": len(records), "totalPages": math.ceil(len(records) / size),
                 "number": page},
    }
