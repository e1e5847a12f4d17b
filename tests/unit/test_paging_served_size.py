"""Page numbers counted by the size the body says it served, over real loopback HTTP."""

from __future__ import annotations

from connectors.http import HttpPolicy, VendorClient
from connectors.paging import PageNumber
from tests.scripted import ScriptedServer

ITEMS = [{"id": n} for n in range(1, 12)]
PAGING = PageNumber(param="pageNr", size_param="pageSize", size=1000, total_items_at="TotalAvailable",
                    size_at="PageSize")


def capped(seen, cap: int):
    """A vendor that serves at most `cap` a page, whatever is asked, and says so in `PageSize`."""
    size, number = min(int(seen.query["pageSize"]), cap), int(seen.query["pageNr"])
    return 200, {}, {"TotalAvailable": len(ITEMS), "PageNr": number, "PageSize": size,
                     "Endpoints": ITEMS[(number - 1) * size:number * size]}


def test_a_vendor_serving_fewer_than_asked_is_still_read_to_the_end_without_an_empty_page():
    with ScriptedServer() as server:
        server.answer_with("/endpoints", lambda seen: capped(seen, 4))
        client = VendorClient("Acme AV", server.url, policy=HttpPolicy(requests_per_second=0))
        assert list(client.items("/endpoints", paging=PAGING, items_at="Endpoints")) == ITEMS
        assert [r.query["pageNr"] for r in server.requests] == ["1", "2", "3"]


def test_a_body_without_its_page_size_counts_the_size_asked_for():
    with ScriptedServer() as server:
        server.answer("/endpoints", 200, {"TotalAvailable": len(ITEMS), "Endpoints": ITEMS})
        client = VendorClient("Acme AV", server.url, policy=HttpPolicy(requests_per_second=0))
        assert list(client.items("/endpoints", paging=PAGING, items_at="Endpoints")) == ITEMS
        assert len(server.requests) == 1
