"""Offset paging ended by the body's total (Veeam's `meta.pagingInfo`), over real loopback HTTP."""

from __future__ import annotations

from connectors.http import HttpPolicy, VendorClient
from connectors.paging import Offset
from tests.scripted import ScriptedServer

ITEMS = [{"instanceUid": f"c-{n}"} for n in range(10)]
PAGING = Offset(limit=5, total_at="meta.pagingInfo.total")


def paged(seen):
    offset, limit = int(seen.query["offset"]), int(seen.query["limit"])
    page = ITEMS[offset:offset + limit]
    return 200, {}, {"meta": {"pagingInfo": {"total": len(ITEMS), "count": len(page), "offset": offset}},
                     "data": page, "errors": None}


def test_a_full_last_page_ends_the_list_without_asking_for_an_empty_one():
    with ScriptedServer() as server:
        server.answer_with("/companies", paged)
        client = VendorClient("Acme", server.url, policy=HttpPolicy(requests_per_second=0))
        assert list(client.items("/companies", paging=PAGING, items_at="data")) == ITEMS
        assert [r.query["offset"] for r in server.requests] == ["0", "5"]


def test_without_the_total_a_full_page_asks_for_the_next():
    with ScriptedServer() as server:
        server.answer_with("/companies", lambda seen: (200, {}, {"data": ITEMS[int(seen.query["offset"]):][:5]}))
        client = VendorClient("Acme", server.url, policy=HttpPolicy(requests_per_second=0))
        assert list(client.items("/companies", paging=PAGING, items_at="data")) == ITEMS
        assert [r.query["offset"] for r in server.requests] == ["0", "5", "10"]
