"""Autotask's own quirks: the zone lookup before anything else (no credentials on it, and only an
Autotask host believed), the three credential headers, query POSTs that are reads and page on at
`nextPageUrl`, the current period's units row as the only one that bills, contracts that expired
while still "active", its `errors` array in words, its pace, and the stored swagger's paths."""

from __future__ import annotations

import json
from dataclasses import replace
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

import sandbox
from connectors.autotask import Autotask, own_domain
from connectors.errors import AuthFailed, BadResponse, VendorUnavailable
from connectors.http import DEFAULT_POLICY
from connectors.records import Account, Quantity, Record
from sandbox.server import SandboxServer
from sandbox.vendors import autotask
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, every billing trap planted)
from tests.sandbox.raw import HTTP, Raw
from tests.scripted import ScriptedServer
from tests.shared import SHARED

KIND = "autotask"
VENDOR = sandbox.VENDORS[KIND]
SECRET = "Very-Secret-Autotask-123"
ROOT = "/atservicesrest"


def sync(server: SandboxServer) -> list[Record]:
    with Autotask(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def billed(records: list[Record]) -> Counter[tuple[str, str]]:
    summed: Counter[tuple[str, str]] = Counter()
    for r in records:
        if isinstance(r, Quantity):
            summed[r.account_id, r.metric] += r.value
    return summed


def page(*items: dict[str, Any], following: str | None = None) -> dict[str, Any]:
    return {"items": list(items), "pageDetails": {"count": len(items), "requestCount": 500, "prevPageUrl": None,
                                                 "nextPageUrl": following}}


def scripted(server: ScriptedServer, zone: str | None = None) -> Autotask:
    server.answer(ROOT + "/v1.0/zoneInformation", 200, {"zoneName": "America East",
                                                       "url": zone or server.url + ROOT + "/",
                                                       "webUrl": "https://ww14.autotask.net/", "ci": 1})
    settings = {"base_url": server.url + ROOT, "username": "api@msp.example", "integration_code": "TRACK",
                "secret": SECRET}
    return Autotask(settings, policy=FAST_POLICY)


def one_contract(server: ScriptedServer, *units: dict[str, Any]) -> None:
    """Answers for one active company with one running recurring-service contract and `units`."""
    query = ROOT + "/v1.0/{}/query"
    server.answer(query.format("Companies"), 200,
                  page({"id": 175, "companyName": "Acme Corporation", "isActive": True}))
    server.answer(query.format("Contracts"), 200, page({"id": 9, "companyID": 175, "contractType": 7, "status": 1,
                                                        "startDate": "2024-01-01T00:00:00Z", "endDate": None}))
    server.answer(query.format("Services"), 200, page({"id": 5, "name": "Managed Workstation"}))
    server.answer(query.format("ContractServices"), 200, page({"id": 90, "contractID": 9, "serviceID": 5,
                                                               "unitPrice": 45.0, "invoiceDescription": "MW"}))
    server.answer(query.format("ContractServiceUnits"), 200, page(*units))


def current(row: dict[str, Any], today: date) -> bool:
    """A units row of today's period, compared as Autotask's midnight dates."""
    return row["startDate"][:10] <= f"{today}" <= row["endDate"][:10]


def unit(start: datetime, end: datetime, units: int, price: float | None = 45.0) -> dict[str, Any]:
    return {"id": 1, "contractID": 9, "contractServiceID": 90, "serviceID": 5, "units": units, "price": price,
            "startDate": f"{start:%Y-%m-%d}T00:00:00Z", "endDate": f"{end:%Y-%m-%d}T00:00:00Z"}


# -- the zone and the credentials -------------------------------------------------------------------------

def test_the_zone_lookup_carries_no_credentials_and_every_read_goes_to_the_zone_it_names(server) -> None:
    zoned = autotask.Autotask(zone_root="/zone14/atservicesrest")
    with SandboxServer(server.world, vendors={KIND: zoned}).start() as elsewhere:
        elsewhere.requests.keep_exchanges = True
        records = sync(elsewhere)
        exchanges = elsewhere.requests.exchanges(KIND)
    lookup, *reads = exchanges
    assert lookup.path == ROOT + "/v1.0/zoneInformation" and lookup.query["user"] == [autotask.USERNAME]
    assert not {"secret", "apiintegrationcode", "username"} & {name.lower() for name in lookup.headers}
    assert reads and all(e.path.startswith("/zone14/atservicesrest/v1.0/") for e in reads)
    assert all(e.headers.get("secret") == autotask.SECRET and e.headers.get("apiintegrationcode")
               == autotask.INTEGRATION_CODE and e.headers.get("username") == autotask.USERNAME for e in reads)
    assert billed(records) == billed(sync(server))  # the same tenant, read in its own zone


def test_a_user_name_autotask_does_not_know_is_said_so_without_the_secret(served) -> None:
    settings = served.settings(KIND) | {"username": "nobody@msp.example", "secret": SECRET}
    with Autotask(settings, policy=FAST_POLICY) as connector, pytest.raises(VendorUnavailable) as unknown:
        connector.test()
    assert "check the API user name" in unknown.value.message
    assert "Zone information could not be determined" in unknown.value.message
    assert SECRET not in unknown.value.message


@pytest.mark.parametrize("zone", ["https://webservices14.autotask.net.evil.example/atservicesrest/",
                                  "http://169.254.169.254/latest/", "https://evil.example/atservicesrest/"])
def test_a_zone_off_autotasks_domain_is_refused_before_any_credential_goes_there(zone) -> None:
    with ScriptedServer() as server:
        with scripted(server, zone) as connector, pytest.raises(BadResponse, match="not on .* domain"):
            connector.test()
        assert [seen.path for seen in server.requests] == [ROOT + "/v1.0/zoneInformation"]


def test_autotasks_own_zones_are_believed_and_a_weaker_scheme_is_not() -> None:
    discovery = httpx.URL("https://webservices.autotask.net/atservicesrest")
    assert own_domain(httpx.URL("https://webservices14.autotask.net/atservicesrest/"), discovery)
    assert own_domain(httpx.URL("https://webservices.autotask.net/atservicesrest/"), discovery)
    assert not own_domain(httpx.URL("http://webservices14.autotask.net/atservicesrest/"), discovery)
    assert not own_domain(httpx.URL("https://webservices14.autotask.net:8443/"), discovery)
    loopback = httpx.URL("http://127.0.0.1:8080/autotask/atservicesrest")
    assert own_domain(httpx.URL("http://127.0.0.1:8081/zone2/"), loopback)
    assert not own_domain(httpx.URL("http://127.0.0.2:8080/"), loopback)


def test_a_wrong_secret_is_refused_in_autotasks_words(served) -> None:
    with Autotask(served.settings(KIND) | {"secret": SECRET}, policy=FAST_POLICY) as connector, \
            pytest.raises(AuthFailed) as refused:
        connector.test()
    assert "answered 401 (Authorization has been denied for this request.)" in refused.value.message
    assert SECRET not in refused.value.message


# -- what a query says, and where its pages are ----------------------------------------------------------

def test_every_read_is_a_query_post_or_its_next_page_and_the_allow_list_says_exactly_those() -> None:
    entities = ("Companies", "Contracts", "Services", "ContractServices", "ContractServiceUnits")
    expected = {(f"{ROOT}/v1.0/{e}/query{tail}", None) for e in entities for tail in ("", "/next")}
    assert Autotask.read_posts(Autotask.fields[0].default) == expected


def test_a_query_pages_on_at_next_page_url_with_the_same_filter_and_a_foreign_next_page_is_refused() -> None:
    today = datetime.now(UTC)
    with ScriptedServer() as server:
        one_contract(server, unit(today, today, 2))
        companies = ROOT + "/v1.0/Companies/query"
        server.answers[companies] = [(200, {}, page({"id": 175, "companyName": "Acme Corporation"},
                                                    following=server.url + companies + "/next?paging=p2"))]
        server.answer(companies + "/next", 200, page({"id": 176, "companyName": "Bluebird Logistics LLC"}))
        with scripted(server) as connector:
            accounts = [r.name for r in connector.sync() if isinstance(r, Account)]
        sent = [s for s in server.requests if s.path.startswith(companies)]
    assert accounts == ["Acme Corporation", "Bluebird Logistics LLC"]
    assert [(s.method, s.path) for s in sent] == [("POST", companies), ("POST", companies + "/next")]
    assert [json.loads(s.body) for s in sent] == [Autotask.companies.body] * 2
    assert Autotask.companies.body == {"filter": [{"op": "eq", "field": "isActive", "value": True}],
                                       "MaxRecords": 500}


def test_the_fake_pages_500_records_at_most_and_its_next_page_url_works_as_a_get(served) -> None:
    raw = Raw(served, KIND)
    search = json.dumps({"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 501})
    too_many = raw.get("/v1.0/ContractServiceUnits/query", {"search": search})
    assert too_many.status_code == 500 and too_many.json() == {"errors": ["MaxRecords must be between 1 and 500"]}
    first = raw.send("POST", "/v1.0/ContractServiceUnits/query",
                     json={"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 3}).json()
    following = raw.follow(first["pageDetails"]["nextPageUrl"]).json()
    walked = [u["id"] for u in first["items"] + following["items"]]
    assert walked == [u["id"] for u in VENDOR.view(served.world).units[:6]]


# -- what bills ------------------------------------------------------------------------------------------

def test_only_the_current_periods_units_row_bills_and_its_last_day_still_counts() -> None:
    today = datetime.now(UTC)
    with ScriptedServer() as server:
        one_contract(server, unit(today - timedelta(days=60), today - timedelta(days=31), 30),
                     unit(today - timedelta(days=5), today, 12),  # ends today, at midnight: still this period
                     unit(today + timedelta(days=1), today + timedelta(days=30), 50))
        with scripted(server) as connector:
            quantities = [r for r in connector.sync() if isinstance(r, Quantity)]
        body = json.loads(next(s for s in server.requests if s.path.endswith("ContractServiceUnits/query")).body)
    assert [(q.metric, q.value, q.unit_price) for q in quantities] == [("billed:Managed Workstation", 12, 45)]
    assert {c["op"]: c["field"] for c in body["filter"]} == {"in": "contractID", "lte": "startDate", "gte": "endDate"}


def test_a_units_row_without_a_price_takes_its_contract_services_unit_price() -> None:
    today = datetime.now(UTC)
    with ScriptedServer() as server:
        one_contract(server, unit(today, today, 4, price=None))
        with scripted(server) as connector:
            quantity = next(r for r in connector.sync() if isinstance(r, Quantity))
    assert (quantity.value, quantity.unit_price, quantity.label) == (4, Decimal("45.0"), "MW")


def test_a_tenants_own_picklist_values_say_which_contracts_are_active_recurring_service_ones() -> None:
    today = datetime.now(UTC)
    picklists = {"fields": [
        {"name": "contractType", "isPickList": True, "picklistValues": [{"value": "7", "label": "Block Hours"},
                                                                      {"value": "9", "label": "Recurring Service"}]},
        {"name": "status", "isPickList": True, "picklistValues": [{"value": "1", "label": "Inactive"},
                                                                {"value": "3", "label": "Active"}]}]}
    with ScriptedServer() as server:
        one_contract(server, unit(today, today, 6))
        server.answers[ROOT + "/v1.0/Contracts/query"] = [(200, {}, page(
            {"id": 9, "companyID": 175, "contractType": 9, "status": 3},
            {"id": 8, "companyID": 175, "contractType": 7, "status": 1}))]
        server.answer(ROOT + "/v1.0/Contracts/entityInformation/fields", 200, picklists)
        server.answers[ROOT + "/v1.0/ContractServiceUnits/query"] = [(200, {}, page(
            unit(today, today, 6), {**unit(today, today, 40), "contractID": 8}))]
        with scripted(server) as connector:
            quantities = [r.value for r in connector.sync() if isinstance(r, Quantity)]
        asked = json.loads(next(s for s in server.requests if s.path.endswith("Contracts/query")).body)
    assert quantities == [6]  # contract 8 is a block-hours contract that is inactive, in this tenant's words
    assert asked["filter"] == [{"op": "eq", "field": "contractType", "value": 9},
                               {"op": "eq", "field": "status", "value": 3}]


def test_expired_and_inactive_contracts_bill_nothing_though_their_units_rows_run_on(server) -> None:
    view, today = VENDOR.view(server.world), server.world.now.date()
    expired = [c for c in view.contracts if c["status"] == 1 and c["endDate"] < f"{today}"]
    inactive = [c for c in view.contracts if c["status"] == 0]
    assert expired and inactive  # both ways Autotask shows a cancelled agreement are planted
    closed = {c["id"] for c in expired + inactive}
    running_on = [u for u in view.units if u["contractID"] in closed and current(u, today)]
    assert running_on  # a client reading the units alone would bill them
    records = sync(server)
    active = {c["id"] for c in view.companies if c["isActive"]}
    owners = {c["id"]: str(c["companyID"]) for c in view.contracts if c["companyID"] in active}
    open_rows: Counter[str] = Counter()
    for u in view.units:
        if u["contractID"] not in closed and u["contractID"] in owners and current(u, today):
            open_rows[owners[u["contractID"]]] += u["units"]
    reported: Counter[str] = Counter()
    for (account, _), value in billed(records).items():
        reported[account] += value
    assert +reported == +open_rows


def test_a_discounted_line_bills_at_its_own_price_not_the_catalog_price(server) -> None:
    client = next(c for c in server.world.clients if "discount_m365" in c.tags)
    company = next(i for i, (customer, _) in VENDOR.accounts(server.world).items() if customer is client)
    m365 = [r for r in sync(server) if isinstance(r, Quantity) and r.account_id == company
            and r.metric == "billed:Microsoft 365 Business Premium"]
    catalog_price = next(s["unitPrice"] for s in VENDOR.view(server.world).services
                         if s["name"] == "Microsoft 365 Business Premium")
    assert m365 and {q.unit_price for q in m365} == {Decimal("20.0")} and catalog_price == 22.0


def test_an_inactive_company_is_no_account_and_a_prospect_is_one_with_nothing_billed(server) -> None:
    view = VENDOR.view(server.world)
    records = sync(server)
    accounts = {r.id for r in records if isinstance(r, Account)}
    inactive = {str(c["id"]) for c in view.companies if not c["isActive"]}
    prospects = {str(c["id"]) for c in view.companies if c["companyType"] == 3 and c["isActive"]}
    assert inactive and not inactive & accounts
    assert prospects and prospects <= accounts
    assert not prospects & {account for account, _ in billed(records)}


# -- its words and its pace ------------------------------------------------------------------------------

@pytest.mark.parametrize("errors", [
    ["The logged in Resource does not have the adequate permissions to query this entity type."],
    [{"message": "The logged in Resource does not have the adequate permissions to query this entity type.",
      "field": None}],
])
def test_its_errors_array_is_shown_in_words(errors) -> None:
    with ScriptedServer() as server:
        server.answer(ROOT + "/v1.0/Companies/query", 403, {"errors": errors})
        with scripted(server) as connector, pytest.raises(AuthFailed) as refused:
            list(connector.sync())
    assert "answered 403 (The logged in Resource does not have the adequate permissions" in refused.value.message


@pytest.mark.parametrize(("used", "pace"), [(120, 10_000), (5_200, 5_000), (8_000, 2_500)])
def test_a_filling_hourly_quota_slows_the_sync_down_early(served, used, pace) -> None:
    quota = autotask.Autotask(quota_used=used)
    with SandboxServer(served.world, vendors={KIND: quota}).start() as metered:
        waits: list[float] = []
        policy = replace(FAST_POLICY, requests_per_second=100, burst=100)
        with Autotask(metered.settings(KIND), policy=policy, sleep=waits.append) as connector:
            assert any(isinstance(r, Account) for r in connector.sync())
            assert round(connector.http.limiter.rate * 3600) == pace


def test_a_server_without_a_quota_reading_keeps_the_documented_pace() -> None:
    today = datetime.now(UTC)
    with ScriptedServer() as server:
        one_contract(server, unit(today, today, 1))
        server.answer(ROOT + "/v1.0/ThresholdInformation", 404, {"errors": ["Not found"]})
        with scripted(server) as connector:
            assert [r.value for r in connector.sync() if isinstance(r, Quantity)] == [1]


def test_it_paces_itself_to_autotasks_hourly_limit_in_production() -> None:
    settings = {"username": "u", "integration_code": "c", "secret": SECRET}
    with Autotask(settings, policy=DEFAULT_POLICY) as connector:
        assert round(connector.http.limiter.rate * 3600) == 10_000
    assert (Autotask.rate_limit.requests, Autotask.rate_limit.per_seconds, Autotask.rate_limit.concurrent) == (
        10_000, 3600, 3)


# -- the stored swagger ----------------------------------------------------------------------------------

def test_the_fake_serves_every_path_and_method_of_the_stored_swagger_with_its_required_headers(served) -> None:
    swagger = json.loads((SHARED / "vendor-specs/autotask/rest-swagger-partial-paths.json").read_text())
    assert swagger["basePath"].lower() == ROOT
    for path, methods in swagger["paths"].items():
        ours = ROOT + path.replace("/V1.0/", "/v1.0/").replace("{id}", "175")
        for method, operation in methods.items():
            route = VENDOR.route(method.upper(), ours)[0]
            assert route is not None and route.reads, (method, path)
            required = {p["name"] for p in operation["parameters"] if p["in"] == "header" and p["required"]}
            assert required == set(VENDOR.auth.required), (method, path)
    raw = Raw(served, KIND)
    assert raw.get("/v1.0/Companies/175").json()["item"]["id"] == 175
    count = raw.send("POST", "/v1.0/Contracts/query/count", json={"filter": [{"op": "eq", "field": "status",
                                                                              "value": 1}]}).json()
    assert count == {"queryCount": sum(1 for c in VENDOR.view(served.world).contracts if c["status"] == 1)}
    refused = HTTP.post(served.base_url(KIND) + "/v1.0/Companies/query", json={"filter": [{"op": "exist",
                                                                                          "field": "id"}]})
    assert refused.status_code == 401


def test_a_service_the_catalog_query_left_out_is_read_by_its_id_and_a_missing_one_fails_in_words() -> None:
    today = datetime.now(UTC)
    with ScriptedServer() as server:
        one_contract(server, unit(today, today, 3))
        server.answers[ROOT + "/v1.0/Services/query"] = [(200, {}, page())]
        server.answer(ROOT + "/v1.0/Services/5", 200, {"item": {"id": 5, "name": "Managed Server"}})
        with scripted(server) as connector:
            assert [r.metric for r in connector.sync() if isinstance(r, Quantity)] == ["billed:Managed Server"]
    with ScriptedServer() as server:
        one_contract(server, unit(today, today, 3))
        server.answers[ROOT + "/v1.0/Services/query"] = [(200, {}, page())]
        server.answer(ROOT + "/v1.0/Services/5", 200, {"item": None})
        with scripted(server) as connector, pytest.raises(BadResponse) as missing:
            list(connector.sync())
    assert missing.value.message == "Autotask PSA: contract 9 bills service 5, which Autotask does not have"


def test_more_contracts_than_one_filter_may_name_are_asked_for_500_at_a_time_and_all_bill() -> None:
    today = datetime.now(UTC)

    def units_of(seen) -> tuple[int, dict[str, str], Any]:
        named = next(c["value"] for c in json.loads(seen.body)["filter"] if c["op"] == "in")
        return 200, {}, page(*({**unit(today, today, 1), "id": n, "contractID": n} for n in named))

    with ScriptedServer() as server:
        one_contract(server)
        server.answers[ROOT + "/v1.0/Contracts/query"] = [(200, {}, page(
            *({"id": n, "companyID": 175, "contractType": 7, "status": 1} for n in range(1, 1002))))]
        server.answers[ROOT + "/v1.0/ContractServiceUnits/query"] = [units_of]
        with scripted(server) as connector:
            total = sum(r.value for r in connector.sync() if isinstance(r, Quantity))
        asked = [len(next(c["value"] for c in json.loads(s.body)["filter"] if c["op"] == "in"))
                 for s in server.requests if s.path.endswith("ContractServiceUnits/query")]
    assert total == 1001 and asked == [500, 500, 1]
