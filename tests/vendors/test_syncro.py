"""Syncro's own quirks: the API token in a Bearer header or `?api_key=`, the subdomain URL, `?page=`
paging at Syncro's own size with or without `meta`, its mixed error shapes, its minute rate limit,
and how its recurring invoices bill (paused schedules, included units, free lines, SKUs, strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import sandbox
from connectors.errors import AuthFailed, BadResponse, ConfigError
from connectors.http import HttpPolicy
from connectors.records import Account, Quantity
from connectors.redact import redact
from connectors.syncro import Syncro
from sandbox.vendors import syncro
from tests.conftest import FAST_POLICY
from tests.sandbox.raw import HTTP, Raw
from tests.sandbox.specs import validate
from tests.vendors.summed import values
from tests.scripted import ScriptedServer

KIND = "syncro"
VENDOR = sandbox.VENDORS[KIND]
TOKEN = "Syncro-Token-0123456789abcdef"


def view(server: sandbox.SandboxServer) -> syncro.View:
    return VENDOR.view(server.world)


def settings(url: str, **changes: str) -> dict[str, str]:
    return {"base_url": url + "/api/v1", "subdomain": "", "api_key": TOKEN} | changes


def scripted_sync(scripted: ScriptedServer, customers: list[dict], schedules: list[dict],
                  products: list[dict] | None = None, policy: HttpPolicy = FAST_POLICY) -> list[Any]:
    scripted.answer("/api/v1/customers", 200, {"customers": customers, "meta": {"total_pages": 1, "page": 1}})
    scripted.answer("/api/v1/schedules", 200, {"schedules": schedules, "meta": {"total_pages": 1, "page": 1}})
    scripted.answer_with("/api/v1/products", lambda seen: (200, {}, {
        "products": (products or []) if seen.query["page"] == "1" else []}))
    with Syncro(settings(scripted.url), policy=policy) as connector:
        return list(connector.sync())


def customer(number: int, **fields: Any) -> dict[str, Any]:
    return {"id": number, "business_name": f"Client {number}", "fullname": "Dana Whitfield", "disabled": False,
            **fields}


def line(product_id: int | None, quantity: Any, price: Any, **fields: Any) -> dict[str, Any]:
    return {"id": 1, "product_id": product_id, "name": "Managed Workstation", "quantity": quantity,
            "price_retail": price, **fields}


def schedule(customer_id: int, lines: list[dict], paused: bool = False) -> dict[str, Any]:
    return {"id": 503262 + customer_id, "customer_id": customer_id, "name": "Monthly", "frequency": "Monthly",
            "paused": paused, "lines": lines}


def billed(records: list[Any]) -> dict[tuple[str, str], tuple[Decimal, Decimal | None]]:
    """Per (account, metric): the units billed, and the unit price its lines carry."""
    prices = {(r.account_id, r.metric): r.unit_price for r in records if isinstance(r, Quantity)}
    return {key: (value, prices[key]) for key, value in values(records).items()}


MW = {"id": 7, "name": "Managed Workstation", "product_skus": [{"id": 1, "vendor_name": "Sandbox MSP", "sku": "MW-01"}]}


# -- auth, the subdomain, the token kept out of URLs ----------------------------------------------

def test_the_token_passes_as_a_bearer_header_or_the_older_api_key_parameter(served: sandbox.SandboxServer) -> None:
    url = served.base_url(KIND) + "/customers"
    assert HTTP.get(url, headers={"Authorization": f"Bearer {syncro.API_TOKEN}"}).status_code == 200
    assert HTTP.get(url, params={"api_key": syncro.API_TOKEN}).status_code == 200
    for refused in (HTTP.get(url, headers={"Authorization": "Bearer wrong-token"}),
                    HTTP.get(url, params={"api_key": "wrong-token"}), HTTP.get(url)):
        assert (refused.status_code, refused.json()) == (401, {"error": "Not Authorized"})


def test_the_connector_sends_the_token_in_the_header_never_in_the_url() -> None:
    with ScriptedServer() as scripted:
        scripted_sync(scripted, [customer(1)], [])
        seen = scripted.requests
    assert seen and all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in seen)
    assert all(TOKEN not in str(r.query) and "api_key" not in r.query for r in seen)


def test_a_url_carrying_the_token_is_masked_in_every_message() -> None:
    leaked = f"GET https://acme.syncromsp.com/api/v1/customers?api_key={TOKEN}&page=2 failed"
    assert TOKEN not in redact(leaked) and TOKEN not in redact(leaked, [TOKEN])
    with Syncro({"subdomain": "acme", "api_key": TOKEN}) as connector:
        assert TOKEN not in connector.http.redact(f"api_key={TOKEN} and {TOKEN}")


@pytest.mark.parametrize("typed", ["acme", "ACME", "acme.syncromsp.com", "https://acme.syncromsp.com/",
                                   " https://Acme.SyncroMSP.com/customers "])
def test_the_subdomain_fills_the_api_url_however_it_is_typed(typed: str) -> None:
    clean = Syncro.clean_settings({"subdomain": typed, "api_key": TOKEN})
    assert clean["base_url"] == "https://acme.syncromsp.com/api/v1"


def test_a_whole_api_url_needs_no_subdomain_and_a_bad_or_missing_one_is_refused_in_words() -> None:
    assert Syncro.clean_settings({"base_url": "https://billing.example/api/v1", "api_key": TOKEN})["base_url"] == \
        "https://billing.example/api/v1"
    with pytest.raises(ConfigError, match="needs your Syncro subdomain"):
        Syncro.clean_settings({"api_key": TOKEN})
    for bad in ("acme.evil.example", "acme@evil.example", "-acme", "a b"):
        with pytest.raises(ConfigError, match="only letters, digits and hyphens"):
            Syncro.clean_settings({"subdomain": bad, "api_key": TOKEN})


# -- errors and the rate limit --------------------------------------------------------------------

@pytest.mark.parametrize(("status", "body", "shown"), [
    (401, {"error": "Not Authorized"}, "Not Authorized: the API token was refused"),
    (403, {"errors": ["Permission denied: Recurring Invoices - List"]},
     "Permission denied: Recurring Invoices - List: the API token lacks a permission"),
])
def test_a_refusal_is_said_in_syncros_words_and_what_they_mean(status: int, body: dict, shown: str) -> None:
    with ScriptedServer() as scripted:
        scripted.answer("/api/v1/me", status, body)
        with Syncro(settings(scripted.url), policy=FAST_POLICY) as connector, pytest.raises(AuthFailed) as caught:
            connector.test()
    assert shown in caught.value.message and TOKEN not in caught.value.message


def test_an_unknown_id_is_a_404_in_syncros_shape_and_the_spec_allows_it(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    for path in ("/customers/1", "/schedules/1", "/products/1"):
        answer = raw.get(path)
        assert (answer.status_code, answer.json()) == (404, {"message": "Record not found"}), path
        validate(KIND, answer)


def test_requests_are_paced_to_syncros_180_a_minute() -> None:
    with Syncro({"subdomain": "acme", "api_key": TOKEN}, policy=HttpPolicy()) as connector:
        assert (connector.http.policy.requests_per_second, connector.http.policy.rate_limited_wait) == (3.0, 60)


def test_a_429_without_retry_after_waits_out_the_minute_before_trying_again(fresh_server) -> None:
    sleeps: list[float] = []
    fresh_server.faults.inject(KIND, "rate_limit", times=1)
    policy = HttpPolicy(attempts=2, max_wait=60, requests_per_second=0)
    with Syncro(fresh_server.settings(KIND), policy=policy, sleep=sleeps.append) as connector:
        connector.test()
    assert sleeps == [60.0]
    fresh_server.set_rate_limit(KIND, rate=0.01, burst=1)  # over the limit: no Retry-After, Syncro's words
    raw = Raw(fresh_server, KIND)
    raw.get("/me")
    answer = raw.get("/me")
    assert answer.status_code == 429 and "Retry-After" not in answer.headers
    assert answer.json() == {"error": "Rate limit exceeded: 180 requests per minute"}


# -- paging ---------------------------------------------------------------------------------------

def test_lists_page_at_25_with_meta_and_products_without_it(served: sandbox.SandboxServer) -> None:
    raw, customers = Raw(served, KIND), [c for c in view(served).customers if not c["disabled"]]
    body = raw.get("/customers", {"page": 2, "per_page": 100}).json()  # Syncro chooses the size
    assert body["meta"] == {"total_pages": -(-len(customers) // 25), "total_entries": len(customers),
                            "per_page": 25, "page": 2}
    assert body["customers"] == customers[25:50]
    assert set(raw.get("/products").json()) == {"products"}
    assert raw.get("/customers", {"page": 99}).json()["customers"] == []


def test_the_connector_stops_at_total_pages_and_walks_a_list_without_meta_until_an_empty_page() -> None:
    with ScriptedServer() as scripted:
        scripted.answer_with("/api/v1/customers", lambda seen: (200, {}, {
            "customers": [customer(int(seen.query["page"]))], "meta": {"total_pages": 3}}))
        scripted.answer("/api/v1/schedules", 200, {"schedules": [], "meta": {"total_pages": 1}})
        scripted.answer_with("/api/v1/products", lambda seen: (200, {}, {
            "products": [MW | {"id": int(seen.query["page"])}] if int(seen.query["page"]) <= 2 else []}))
        with Syncro(settings(scripted.url), policy=FAST_POLICY) as connector:
            records = list(connector.sync())
        pages = {path: [r.query["page"] for r in scripted.requests if r.path == path]
                 for path in ("/api/v1/customers", "/api/v1/products")}
    assert pages == {"/api/v1/customers": ["1", "2", "3"], "/api/v1/products": ["1", "2", "3"]}
    assert [r.id for r in records if isinstance(r, Account)] == ["1", "2", "3"]


# -- what a recurring invoice bills ---------------------------------------------------------------

def test_included_units_free_lines_one_time_charges_and_paused_schedules_as_syncro_writes_them() -> None:
    with ScriptedServer() as scripted:
        records = scripted_sync(scripted, [customer(1)], [
            schedule(1, [line(7, 12, 45.0, bill_all_units=False, bill_units_threshold=5),  # 7 billed
                         line(7, 3, 45.0, bill_all_units=False, bill_units_threshold=10),  # never below 0
                         line(7, 2, 0.0, name="Loaner laptops (not billed)"),  # free: not billed
                         line(7, 1, 150.0, one_time_charge=True, name="Setup fee")]),  # bills once
            schedule(1, [line(7, 4, 45.0)], paused=True),  # a cancelled agreement, or one starting later
        ], [MW])
    assert billed(records) == {("1", "billed:MW-01"): (Decimal(7), Decimal("45.0"))}


def test_numbers_may_arrive_as_strings_and_a_line_without_a_product_is_keyed_by_its_name() -> None:
    with ScriptedServer() as scripted:
        records = scripted_sync(scripted, [customer(1)], [
            schedule(1, [line(7, "3.0", "45.00"), line(None, 2, "99.5", name="Onsite visit block")])], [MW])
    assert billed(records) == {("1", "billed:MW-01"): (Decimal(3), Decimal("45.00")),
                               ("1", "billed:Onsite visit block"): (Decimal(2), Decimal("99.5"))}


def test_a_schedule_listed_with_no_lines_is_read_by_id_and_an_unpriced_line_is_priced_in_cents_or_by_product():
    with ScriptedServer() as scripted:
        scripted.answer("/api/v1/schedules/600", 200, {"schedule": schedule(1, [
            {"product_id": 7, "name": "Managed Workstation", "quantity": 2, "retail_cents": 4500},
            {"product_id": 7, "name": "Managed Workstation", "quantity": 1}]) | {"id": 600}})
        records = scripted_sync(scripted, [customer(1)], [schedule(1, []) | {"id": 600}],
                                [MW | {"price_retail": 45.0}])
    assert [(r.metric, r.value, r.unit_price) for r in records if isinstance(r, Quantity)] == [
        ("billed:MW-01", Decimal(2), Decimal(45)), ("billed:MW-01", Decimal(1), Decimal("45.0"))]


def test_a_quantity_that_is_no_number_fails_the_sync_naming_syncro() -> None:
    with ScriptedServer() as scripted, pytest.raises(BadResponse, match="Syncro sent a quantity or price"):
        scripted_sync(scripted, [customer(1)], [schedule(1, [line(7, "a dozen", 45.0)])], [MW])


def test_a_disabled_customer_is_no_client_and_its_schedules_bill_nobody() -> None:
    with ScriptedServer() as scripted:
        records = scripted_sync(scripted, [customer(1), customer(2, disabled=True)],
                                [schedule(1, [line(7, 1, 45.0)]), schedule(2, [line(7, 9, 45.0)]),
                                 schedule(3, [line(7, 9, 45.0)])], [MW])  # 3: not listed at all
    assert [r.id for r in records if isinstance(r, Account)] == ["1"]
    assert billed(records) == {("1", "billed:MW-01"): (Decimal(1), Decimal("45.0"))}


def test_a_person_without_a_business_goes_by_their_full_name() -> None:
    with ScriptedServer() as scripted:
        records = scripted_sync(scripted, [customer(1, business_name=None, fullname="Walkin Customer")], [])
    assert [r.name for r in records if isinstance(r, Account)] == ["Walkin Customer"]


def test_a_product_off_the_list_is_read_once_by_id_and_a_schedule_listed_without_lines_by_its_id() -> None:
    with ScriptedServer() as scripted:
        scripted.answer("/api/v1/products/8", 200, {"product": {"id": 8, "name": "Backup Storage (per TB)",
                                                                "disabled": True, "product_skus": [{"sku": "BK-TB"}]}})
        scripted.answer("/api/v1/products/9", 404, {"message": "Record not found"})
        scripted.answer("/api/v1/schedules/600", 200, {"schedule": schedule(1, [line(8, 1, 40.0)]) | {"id": 600}})
        bare = {k: v for k, v in schedule(1, []).items() if k != "lines"} | {"id": 600}
        records = scripted_sync(scripted, [customer(1)], [
            schedule(1, [line(8, 2, 40.0), line(8, 1, 40.0), line(9, 5, 3.0, name="Old AV licence")]), bare])
        reads = [r.path for r in scripted.requests if r.path.startswith(("/api/v1/products/", "/api/v1/schedules/"))]
    assert billed(records) == {("1", "billed:BK-TB"): (Decimal(4), Decimal("40.0")),
                               ("1", "billed:Old AV licence"): (Decimal(5), Decimal("3.0"))}
    assert sorted(reads) == ["/api/v1/products/8", "/api/v1/products/9", "/api/v1/schedules/600"]


# -- the truth's traps as the fake writes them ----------------------------------------------------

WORLD = sandbox.build_world(clients=60, seed=7)


def schedules_of(tag: str) -> list[dict]:
    """The schedules of the customer the truth plants `tag` on."""
    shown = VENDOR.view(WORLD)
    planted = next(c for c in WORLD.customers if tag in c.tags)
    ids = {int(i) for i, (owner, _) in shown.owners.items() if owner is planted}
    return [s for s in shown.schedules if s["customer_id"] in ids]


def test_a_cancelled_agreement_is_a_paused_schedule_and_a_later_line_waits_on_a_paused_one() -> None:
    assert any(s["paused"] and s["lines"] and "(legacy)" in s["name"] for s in schedules_of("cancelled_agreement"))
    assert any(s["paused"] and s["lines"] and "(starts " in s["name"] for s in schedules_of("future_line"))


def test_included_units_are_a_threshold_and_unbilled_lines_are_priced_zero() -> None:
    included = [x for s in schedules_of("less_included") for x in s["lines"] if x["bill_all_units"] is False]
    assert included and all(x["bill_units_threshold"] > 0 for x in included)
    for tag, words in (("donotbill", "not billed"), ("nocharge", "Complimentary")):
        free = [x for s in schedules_of(tag) for x in s["lines"] if words in x["name"]]
        assert free and all(float(x["price_retail"]) == 0 for x in free), tag


def test_a_line_cancelled_in_the_past_is_gone_and_one_cancelled_ahead_is_still_there() -> None:
    shown = VENDOR.view(WORLD)
    on_schedules = sum(len(s["lines"]) for s in shown.schedules)
    ended = sum(1 for c in WORLD.customers for b in c.billing if b.end is not None and b.end <= WORLD.now)
    assert ended and on_schedules == sum(len(c.billing) for c in WORLD.customers) - ended
    assert any(b.end is not None and b.end > WORLD.now for c in WORLD.customers for b in c.billing)


def test_a_deleted_customer_is_disabled_and_off_the_list_unless_disabled_ones_are_asked_for(
        served: sandbox.SandboxServer) -> None:
    shown, raw = view(served), Raw(served, KIND)
    disabled = {c["id"] for c in shown.customers if c["disabled"]}
    listed = {c["id"] for c in raw.walk("/customers", syncro.CUSTOMERS, 25)}
    everyone = {c["id"] for c in raw.walk("/customers", syncro.CUSTOMERS, 25, include_disabled="true")}
    assert disabled and listed == everyone - disabled


def test_a_sync_of_the_fake_keys_microsoft_365_by_the_msps_sku_and_reads_the_retired_product_by_id(
        fresh_server: sandbox.SandboxServer) -> None:
    shown = view(fresh_server)
    live = {c["id"] for c in shown.customers if not c["disabled"]}
    retired = syncro.PRODUCT_IDS["BK-TB"]
    storage_billed = any(x["product_id"] == retired and float(x["price_retail"]) > 0 for s in shown.schedules
                         if s["customer_id"] in live and not s["paused"] for x in s["lines"])
    fresh_server.requests.clear()
    with Syncro(fresh_server.settings(KIND), policy=FAST_POLICY) as connector:
        metrics = {r.metric for r in connector.sync() if isinstance(r, Quantity)}
    assert {"billed:M365-BP", "billed:MW-01"} <= metrics and "billed:MST-M365-BP" not in metrics
    product_reads = [c.path for c in fresh_server.requests.of(KIND) if c.path.startswith("/api/v1/products/")]
    assert product_reads == ([f"/api/v1/products/{retired}"] if storage_billed else [])
    assert ("billed:BK-TB" in metrics) == storage_billed
