"""Partner Center's own quirks: a token on the partner tenant at the chosen cloud's sign-in host, tracking ids on
every call, `links.next` paging with its continuation header, licences by product and SKU across terms, only
active paid subscriptions counted, the NCE term parsed onto each quantity, no price, its error envelope in
words, and how its fake renders the truth's traps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest

import sandbox
from connectors.endpoints import Endpoint
from connectors.errors import AuthFailed, BadResponse
from connectors.paging import ContinuationLink
from connectors.partnercenter import PartnerCenter
from connectors.records import Account, Quantity, Record, Term
from sandbox.truth import catalog
from sandbox.truth.model import ACTIVE, TRIAL, Role
from sandbox.vendors import partnercenter
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every trap is planted)
from tests.sandbox.raw import HTTP, Raw
from tests.scripted import Seen, ScriptedServer
from tests.vendors.summed import values

KIND = "partnercenter"
VENDOR = sandbox.VENDORS[KIND]
PARTNER = "11111111-2222-4333-8444-555555555555"
ACME = "b44bb1fb-c595-45b0-9e09-d657365580bf"
SECRET = "Scripted-PC-Secret-9988776655"
TOKEN = f"/login/{PARTNER}/oauth2/v2.0/token"
BP = "CFQ7TTC0LCHC:0002"


def customer(tenant: str = ACME, name: str | None = "Acme Corporation", domain: str = "acme.onmicrosoft.com") -> dict:
    return {"id": tenant, "companyProfile": {"tenantId": tenant, "domain": domain, "companyName": name},
            "relationshipToPartner": "reseller", "attributes": {"objectType": "Customer"}}


def subscription(offer: str = BP + ":CFQ7TTC0QJ2F", quantity: int = 25, **fields: Any) -> dict[str, Any]:
    return {"id": "83ef9d05-4169-4ef9-9657-0e86b1eab1de", "offerId": offer,
            "offerName": "Microsoft 365 Business Premium", "quantity": quantity, "unitType": "Licenses",
            "commitmentEndDate": "2027-03-14T00:00:00Z", "status": "active", "autoRenewEnabled": True,
            "billingCycle": "monthly", "termDuration": "P1Y", "isTrial": False, **fields}


def collection(items: list, next_link: dict | None = None) -> dict[str, Any]:
    links: dict[str, Any] = {"self": {"uri": "/customers", "method": "GET", "headers": []}}
    if next_link:
        links["next"] = next_link
    return {"totalCount": len(items), "items": items, "links": links, "attributes": {"objectType": "Collection"}}


def settings(url: str, login: str = "/login") -> dict[str, str]:
    return {"base_url": url + "/v1", "login_url": url + login, "tenant_id": PARTNER, "client_id": "app",
            "client_secret": SECRET}


def scripted(customers: Any, subscriptions: dict[str, Any], login: str = "/login",
             connector: type[PartnerCenter] = PartnerCenter) -> tuple[list[Record], list[Seen]]:
    """A sync against answers written here in Partner Center's documented shapes; `customers` is a body, or
    a function of the request (for paging)."""
    with ScriptedServer() as fake:
        fake.answer(f"{login}/{PARTNER}/oauth2/v2.0/token", 200,
                    {"access_token": "scripted-token", "expires_in": 3599, "token_type": "Bearer"})
        if callable(customers):
            fake.answer_with("/v1/customers", customers)
        else:
            fake.answer("/v1/customers", 200, customers)
        for tenant, answer in subscriptions.items():
            fake.answer(f"/v1/customers/{tenant}/subscriptions", *answer if isinstance(answer, tuple) else
                        (200, collection(answer)))
        with connector(settings(fake.url, login), policy=FAST_POLICY) as pc:
            return list(pc.sync()), fake.requests


def quantities(records: list[Record]) -> list[Quantity]:
    return [r for r in records if isinstance(r, Quantity)]


# -- auth: the partner tenant's token, per cloud; tracking ids --------------------------------------------

@pytest.mark.parametrize("login", ["/login", "/login-us-government"])
def test_the_token_is_asked_of_the_chosen_clouds_sign_in_host_for_the_partner_tenant(login: str) -> None:
    records, requests = scripted(collection([customer()]), {ACME: []}, login=login)
    asked = requests[0]
    assert (asked.method, asked.path) == ("POST", f"{login}/{PARTNER}/oauth2/v2.0/token")
    assert parse_qs(asked.body.decode()) == {"grant_type": ["client_credentials"], "client_id": ["app"],
                                             "client_secret": [SECRET],
                                             "scope": ["https://api.partnercenter.microsoft.com/.default"]}
    assert records == [Account(ACME, "Acme Corporation")]


def test_the_sign_in_choices_are_microsofts_clouds_and_every_call_carries_partner_centers_tracking_ids() -> None:
    login = next(f for f in PartnerCenter.fields if f.name == "login_url")
    assert {value for value, _ in login.choices} == {"https://login.microsoftonline.com",
                                                     "https://login.microsoftonline.us",
                                                     "https://login.chinacloudapi.cn"}
    _, requests = scripted(collection([customer(), customer("c2", "Beta Ltd", "beta.onmicrosoft.com")]),
                           {ACME: [], "c2": []})
    calls = [r for r in requests if r.method == "GET"]
    assert len(calls) == 3 and all(c.headers["Authorization"] == "Bearer scripted-token" for c in calls)
    assert len({c.headers["MS-RequestId"] for c in calls}) == 3  # a new id per request
    assert len({c.headers["MS-CorrelationId"] for c in calls}) == 1  # one per run
    assert calls[0].query == {"size": "500"}


def test_the_read_only_allow_list_takes_the_partner_tenants_token_path_and_nothing_else() -> None:
    posts = PartnerCenter.read_posts(PartnerCenter.fields[0].default or "")
    assert (f"/partnercenter/{PARTNER}/oauth2/v2.0/token", None) in posts
    assert ("/v1/customers", None) not in posts


# -- paging: links.next and its continuation header ------------------------------------------------------

def test_customers_page_through_links_next_with_the_continuation_header_exactly_as_given() -> None:
    pages = [[customer(f"t{n}", f"Customer {n}", f"c{n}.onmicrosoft.com") for n in range(k, k + 2)] for k in (0, 2)]
    tokens = ["AQAAAA==", None]

    def answer(seen: Seen) -> tuple[int, dict, Any]:
        page = 1 if seen.headers.get("MS-ContinuationToken") == "AQAAAA==" else 0
        next_link = {"uri": "/customers?size=500&seekOperation=Next", "method": "GET",
                     "headers": [{"key": "MS-ContinuationToken", "value": tokens[page]}]} if tokens[page] else None
        return 200, {}, collection(pages[page], next_link)

    records, requests = scripted(answer, {f"t{n}": [] for n in range(4)})
    assert [r.id for r in records if isinstance(r, Account)] == ["t0", "t1", "t2", "t3"]
    listed = [r for r in requests if r.path == "/v1/customers"]
    assert [r.query for r in listed] == [{"size": "500"}, {"size": "500", "seekOperation": "Next"}]
    assert "MS-ContinuationToken" not in listed[0].headers and listed[1].headers["MS-ContinuationToken"] == "AQAAAA=="


def test_a_next_uri_given_from_the_host_is_not_doubled_and_a_next_asking_for_a_write_is_refused() -> None:
    def from_host(seen: Seen) -> tuple[int, dict, Any]:
        if seen.headers.get("MS-ContinuationToken"):
            return 200, {}, collection([customer("t2", "Two", "two.onmicrosoft.com")])
        return 200, {}, collection([customer()], {"uri": "/v1/customers?seekOperation=Next", "method": "GET",
                                                  "headers": [{"key": "MS-ContinuationToken", "value": "x"}]})

    records, requests = scripted(from_host, {ACME: [], "t2": []})
    assert [r.id for r in records if isinstance(r, Account)] == [ACME, "t2"]
    assert [r.path for r in requests if r.method == "GET"][:2] == ["/v1/customers", "/v1/customers"]
    write = collection([customer()], {"uri": "/customers?seekOperation=Next", "method": "POST", "headers": []})
    with pytest.raises(BadResponse) as caught:
        scripted(write, {ACME: []})
    assert caught.value.message.startswith("Microsoft Partner Center: ") and "POST, which is no read" in caught.value.message


def test_a_continuation_token_that_does_not_move_is_refused_rather_than_looped() -> None:
    stuck = collection([customer()], {"uri": "/customers?seekOperation=Next", "method": "GET",
                                      "headers": [{"key": "MS-ContinuationToken", "value": "same"}]})
    with pytest.raises(BadResponse, match="repeated a page"):
        scripted(stuck, {ACME: []})


def test_the_fakes_customers_page_by_continuation_and_a_small_page_reads_them_all(server) -> None:  # noqa: F811
    small = type("SmallPages", (PartnerCenter,), {"customers": Endpoint("customers", paging=ContinuationLink(size=7))})
    with small(server.settings(KIND), policy=FAST_POLICY) as pc:
        paged = list(pc.sync())
    with PartnerCenter(server.settings(KIND), policy=FAST_POLICY) as pc:
        whole = list(pc.sync())
    shown = VENDOR.view(server.world).customers
    assert len(shown) > 7
    assert sorted(r.id for r in paged if isinstance(r, Account)) == sorted(c["id"] for c in shown)
    assert values(paged) == values(whole)


def test_the_fake_refuses_a_next_page_without_its_continuation_token(served) -> None:
    answer = Raw(served, KIND).get("/customers", {"seekOperation": "Next"})
    assert answer.status_code == 400 and set(answer.json()) == {"code", "description", "data", "source"}


# -- what counts, under which key, with which term ------------------------------------------------------

def test_only_active_paid_licence_subscriptions_count_under_product_and_sku_with_every_term_together() -> None:
    subs = [subscription(quantity=10), subscription(BP + ":CFQ7TTC0QJ2G", 5, termDuration="P1M"),
            subscription(quantity=3, status="suspended"), subscription(quantity=4, status="deleted"),
            subscription(quantity=6, status="expired"), subscription(quantity=7, status="pending"),
            subscription(quantity=8, isTrial=True), subscription("DZH318Z0BPS6:0001:DZH318Z0BPXJ", 1,
                                                                  unitType="Usage-based"),
            subscription("a6a0d1f4-0f9b-4f2e-9f0b-1d2c3e4f5a6b", 2, status="Active")]
    records, _ = scripted(collection([customer()]), {ACME: subs})
    assert values(records) == {(ACME, f"licenses:{BP}"): Decimal(15),
                               (ACME, "licenses:a6a0d1f4-0f9b-4f2e-9f0b-1d2c3e4f5a6b"): Decimal(2)}
    assert all(q.unit_price is None for q in quantities(records))  # Partner Center returns no price


def test_each_subscriptions_term_is_parsed_onto_its_quantity() -> None:
    far = (datetime.now(UTC) + timedelta(days=365 * 40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    subs = [subscription(quantity=10, billingCycle="Annual"),
            subscription(quantity=5, termDuration="P1M", autoRenewEnabled=False, commitmentEndDate="2026-12-31T00:00:00Z"),
            subscription(quantity=2, termDuration="P3Y", commitmentEndDate=far, autoRenewEnabled=False)]
    records, _ = scripted(collection([customer()]), {ACME: subs})
    terms = [q.term for q in quantities(records)]
    assert terms == [Term("annual", "Annual", date(2027, 3, 14), date(2027, 3, 15)),
                     Term("monthly", "Monthly", date(2026, 12, 31), None),
                     Term("monthly", "Triennial", None, None)]  # Microsoft's "far away in the future": no end
    assert quantities(records)[0].label == ("Microsoft 365 Business Premium · Annual term to 2027-03-14, "
                                            "renews 2027-03-15 · billed annual")


def test_a_customer_without_a_company_name_goes_by_its_domain_and_one_without_an_id_is_refused() -> None:
    records, _ = scripted(collection([customer(name=None)]), {ACME: []})
    assert records == [Account(ACME, "acme.onmicrosoft.com")]
    nameless = {"companyProfile": {"companyName": "No Id Ltd"}}
    with pytest.raises(BadResponse, match="has no 'id'"):
        scripted(collection([nameless]), {})


# -- errors in the user's words -------------------------------------------------------------------------

def test_partner_centers_error_envelope_is_shown_with_its_code_and_what_the_status_means() -> None:
    missing = (404, {"code": 600008, "description": "The requested customer was not found.", "data": [],
                     "source": "PartnerFD"})
    with pytest.raises(BadResponse) as caught:
        scripted(collection([customer()]), {ACME: missing})
    assert "The requested customer was not found. (code 600008); no such customer under this partner" in (
        caught.value.message)


def test_a_refused_sign_in_says_so_in_entras_words_without_the_secret() -> None:
    with ScriptedServer() as fake:
        fake.answer(TOKEN, 401, {"error": "invalid_client",
                                 "error_description": "AADSTS7000215: Invalid client secret provided."})
        with PartnerCenter(settings(fake.url), policy=FAST_POLICY) as pc, pytest.raises(AuthFailed) as caught:
            pc.test()
    assert "AADSTS7000215: Invalid client secret provided." in caught.value.message
    assert SECRET not in caught.value.message


def test_the_documented_limit_is_declared_and_a_429_waits_out_its_retry_after() -> None:
    assert (PartnerCenter.rate_limit.requests, PartnerCenter.rate_limit.per_seconds) == (500, 60)
    slept: list[float] = []
    with ScriptedServer() as fake:
        fake.answer(TOKEN, 200, {"access_token": "t", "expires_in": 3599})
        fake.answer("/v1/customers", 429, {"code": 429, "description": "Too many requests"}, {"Retry-After": "3"})
        fake.answer("/v1/customers", 200, collection([customer()]))
        with PartnerCenter(settings(fake.url), policy=replace(FAST_POLICY, max_wait=10), sleep=slept.append) as pc:
            pc.test()
    assert 3.0 in slept


# -- the fake's view of the truth's traps ---------------------------------------------------------------

def test_the_fake_lists_microsoft_purchases_only_with_partner_centers_statuses(server) -> None:  # noqa: F811
    world, view = server.world, VENDOR.view(server.world)
    listed = {c["id"] for c in view.customers}
    for tenant, (customer_, account) in VENDOR.accounts(world).items():
        subs = view.subscriptions[tenant]
        microsoft = [s for s in customer_.purchases if catalog.bought(s.product).vendor == "Microsoft"]
        assert len(subs) == len(microsoft) and tenant in listed
        for sub, truth in zip(subs, microsoft, strict=True):
            assert sub["isTrial"] == (truth.status == TRIAL)
            assert (sub["status"] == "active") == (truth.status in (ACTIVE, TRIAL))
    deleted = [a.name for c, a in world.accounts(Role.DISTRIBUTOR) if not a.live]
    assert deleted and not set(deleted) & {c["companyProfile"]["companyName"] for c in view.customers}
    assert VENDOR.metric("licences:GZ-BS") is None and VENDOR.metric("licences:M365-BP") == f"licenses:{BP}"


def test_one_product_in_two_terms_is_two_availabilities_of_one_product_and_sku(server) -> None:  # noqa: F811
    world, view = server.world, VENDOR.view(server.world)
    tenant = next(t for t, (c, _) in VENDOR.accounts(world).items() if "two_m365_subs" in c.tags)
    offers = {s["offerId"] for s in view.subscriptions[tenant] if s["offerId"].startswith(BP)}
    assert len(offers) == 2 and len({o.rsplit(":", 1)[0] for o in offers}) == 1
    with PartnerCenter(server.settings(KIND), policy=FAST_POLICY) as pc:
        bought = [q for q in pc.sync() if isinstance(q, Quantity) and q.account_id == tenant
                  and q.metric == f"licenses:{BP}"]
    assert {q.term.commitment for q in bought if q.term} == {"Annual", "Monthly"}


def test_the_token_route_knows_only_the_partner_tenant(served) -> None:
    url, request = partnercenter.GRANT.request(served.url + VENDOR.prefix)
    assert HTTP.post(url, **request).status_code == 200  # type: ignore[arg-type]
    other = HTTP.post(url.replace(partnercenter.PARTNER_TENANT, ACME), **request)  # type: ignore[arg-type]
    assert other.status_code == 400 and "AADSTS90002" in other.json()["error_description"]
