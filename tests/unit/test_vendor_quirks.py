"""Vendor quirks handled inside their connector modules, over real HTTP."""

from __future__ import annotations

from decimal import Decimal

from connectors.connectwise import billable
from connectors.pax8 import Pax8
from connectors.records import Quantity
from tests.conftest import FAST_POLICY
from tests.scripted import ScriptedServer


def test_an_agreement_that_includes_more_than_it_lists_bills_nothing_not_a_negative():
    assert billable({"quantity": 3, "lessIncluded": 5}) == Decimal(0)
    assert billable({"quantity": 12, "lessIncluded": 2}) == Decimal(10)


def page(items):
    return {"content": items, "page": {"size": 200, "totalElements": len(items), "totalPages": 1, "number": 0}}


def test_a_retired_pax8_product_keeps_its_id_instead_of_failing_the_sync():
    with ScriptedServer() as server:
        server.answer("/v1/token", 200, {"access_token": "t", "expires_in": 86400})
        server.answer("/v1/companies", 200, page([{"id": "c1", "name": "Acme"}, {"id": "c2", "name": "Gone",
                                                                                  "status": "Deleted"}]))
        server.answer("/v1/subscriptions", 200, page([
            {"id": "s1", "companyId": "c1", "productId": "p-old", "quantity": 4, "price": 3.5, "status": "Active"},
            {"id": "s2", "companyId": "c2", "productId": "p-old", "quantity": 9, "price": 3.5, "status": "Active"},
        ]))
        server.answer("/v1/products/p-old", 404, {"type": "NOT_FOUND", "message": "Product not found", "status": 404})
        with Pax8({"base_url": server.url + "/v1", "client_id": "id", "client_secret": "secret"},
                  policy=FAST_POLICY) as pax8:
            quantities = [r for r in pax8.sync() if isinstance(r, Quantity)]
    # one licence line for the live company, keyed by the product id; the deleted company's is dropped
    assert [(q.account_id, q.metric, q.value) for q in quantities] == [("c1", "licenses:p-old", Decimal(4))]
