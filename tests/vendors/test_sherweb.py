"""Sherweb's own quirks: a token from the API's host with the service-provider scope, the gateway's
subscription key on every call (the token's too), whole lists in `{"items": [...]}`, one
subscriptions call per customer, Microsoft's product ids as SKUs, a yearly fee read per month,
the commitment term in words, suspended customers left out, and its two error shapes (the
gateway's `{"statusCode", "message"}` and the API's RFC 7807 problem details)."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest

import sandbox
from connectors.errors import AuthFailed, BadResponse
from connectors.records import Account, Quantity, Record, Term
from connectors.sherweb import Sherweb, SherwebToken
from sandbox.truth import catalog
from sandbox.truth.model import ACTIVE, Role
from sandbox.vendors import sherweb
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every trap is planted)
from tests.sandbox.raw import HTTP, Raw, token
from tests.sandbox.specs import validate
from tests.scripted import Seen, ScriptedServer
from tests.vendors.summed import values

KIND = "sherweb"
VENDOR = sandbox.VENDORS[KIND]
ROOT = "/service-provider/v1"
TOKEN = "/auth/oidc/connect/token"
KEY = "Scripted-Subscription-Key-5566778899"
SECRET = "Scripted-Client-Secret-1122334455"
ACME = "3f1d2c4e-8b7a-4f19-9a3c-1b2d3e4f5a6b"


def sync(server: sandbox.SandboxServer, **changes: str) -> list[Record]:
    with Sherweb(server.settings(KIND) | changes, policy=FAST_POLICY) as connector:
        return list(connector.sync())


def quantities(records: list[Record]) -> list[Quantity]:
    return [r for r in records if isinstance(r, Quantity)]


def subscription(sku: str = "CFQ7TTC0LCHC:0002", quantity: int = 25, **fields: Any) -> dict[str, Any]:
    return {"id": "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "productName": "Microsoft 365 Business Premium",
            "description": "Microsoft 365 Business Premium (NCE, monthly)", "sku": sku, "quantity": quantity,
            "billingCycle": "monthly", "fees": {"recurringFee": 22.0, "setupFee": 0.0, "currency": "Usd"}, **fields}


def scripted_sync(customers: list[dict[str, Any]], subscriptions: dict[str, list[dict[str, Any]]]
                  ) -> tuple[list[Record], list[Seen]]:
    """A sync against answers written here in Sherweb's documented shapes."""
    with ScriptedServer() as scripted:
        scripted.answer(TOKEN, 200, {"access_token": "scripted-token", "expires_in": 3600, "token_type": "Bearer"})
        scripted.answer(ROOT + "/customers", 200, {"items": customers})
        scripted.answer_with(ROOT + "/billing/subscriptions",
                             lambda seen: (200, {}, {"items": subscriptions[seen.query["customerId"]]}))
        settings = {"base_url": scripted.url + ROOT, "client_id": "id", "client_secret": SECRET,
                    "subscription_key": KEY}
        with Sherweb(settings, policy=FAST_POLICY) as connector:
            return list(connector.sync()), scripted.requests


# -- auth: the token's host and scope, the gateway's key -------------------------------------------------

@pytest.mark.parametrize("base_url", ["https://api.sherweb.com/service-provider/v1",
                                      "https://api.sherweb.com/service-provider/v1/"])
def test_the_token_comes_from_the_apis_host_not_from_under_its_path(base_url: str) -> None:
    assert Sherweb.token_url(base_url) == "https://api.sherweb.com/auth/oidc/connect/token"
    assert SherwebToken("auth/oidc/connect/token").token_url("http://127.0.0.1:8/sherweb/service-provider/v1") == (
        "http://127.0.0.1:8/sherweb/auth/oidc/connect/token")


@pytest.mark.parametrize("given", ["https://api.sherweb.com", "https://api.sherweb.com/",
                                   "https://api.sherweb.com/service-provider/v1"])
def test_the_host_alone_reaches_the_service_provider_api(given: str) -> None:
    settings = {"base_url": given, "client_id": "id", "client_secret": "s", "subscription_key": "k"}
    assert Sherweb.clean_settings(settings)["base_url"] == "https://api.sherweb.com/service-provider/v1"


def test_the_token_request_is_a_form_with_the_service_provider_scope_and_the_subscription_key() -> None:
    records, requests = scripted_sync([{"id": ACME, "displayName": "Acme", "path": ["MSP", "Acme"]}], {ACME: []})
    asked = requests[0]
    assert (asked.method, asked.path) == ("POST", TOKEN)
    assert parse_qs(asked.body.decode()) == {"grant_type": ["client_credentials"], "client_id": ["id"],
                                             "client_secret": [SECRET], "scope": ["service-provider"]}
    assert asked.headers["Ocp-Apim-Subscription-Key"] == KEY
    for call in requests[1:]:  # every API call carries the key beside the bearer token
        assert call.headers["Ocp-Apim-Subscription-Key"] == KEY
        assert call.headers["Authorization"] == "Bearer scripted-token"
    assert records == [Account(ACME, "Acme")]


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"client_secret": "wrong"}, 401, "invalid_client"), ({"scope": "distributor"}, 400, "invalid_scope"),
    ({"scope": None}, 400, "invalid_request"), ({"grant_type": "password"}, 400, "unsupported_grant_type"),
])
def test_it_grants_tokens_for_the_service_provider_scope_only(served: sandbox.SandboxServer,
                                                              change: dict[str, str | None], status: int,
                                                              error: str) -> None:
    answer = token(served, KIND, **change)
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_the_gateway_refuses_a_token_request_or_a_call_without_the_subscription_key(
        served: sandbox.SandboxServer) -> None:
    url, request = sherweb.GRANT.request(served.url + VENDOR.prefix)
    bare = HTTP.post(url, data=request["data"])
    assert (bare.status_code, bare.json()) == (401, {"statusCode": 401, "message": sherweb.MISSING_KEY})
    granted = token(served, KIND).json()
    assert (granted["token_type"], granted["expires_in"]) == ("Bearer", 3600)
    bearer = {"Authorization": f"Bearer {granted['access_token']}"}
    customers = served.base_url(KIND) + "/customers"
    assert HTTP.get(customers, headers=bearer).json() == {"statusCode": 401, "message": sherweb.MISSING_KEY}
    wrong = HTTP.get(customers, headers=bearer | {"Ocp-Apim-Subscription-Key": "nope"})
    assert (wrong.status_code, wrong.json()["message"]) == (401, sherweb.WRONG_KEY)
    # the key may travel in the query instead, as the authorization document allows
    assert HTTP.get(customers, headers=bearer, params={"subscription-key": sherweb.SUBSCRIPTION_KEY}).status_code == 200


def test_a_wrong_subscription_key_is_said_in_the_gateways_words_without_the_key(served: sandbox.SandboxServer,
                                                                                caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-Subscription-Key-000111222"
    with Sherweb(served.settings(KIND) | {"subscription_key": wrong}, policy=FAST_POLICY) as connector, \
            pytest.raises(AuthFailed) as refused:
        connector.test()
    message = refused.value.message
    assert message == (f"Sherweb: POST {VENDOR.prefix}{TOKEN} answered 401 ({sherweb.WRONG_KEY}): "
                       "refused the credentials; check the credentials")
    assert wrong not in message and wrong not in caplog.text


# -- lists and errors -----------------------------------------------------------------------------------

def test_lists_come_whole_and_subscriptions_need_a_customer_the_partner_has(served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), VENDOR.view(served.world)
    customers = raw.get("/customers")
    assert set(customers.json()) == {"items"} and len(customers.json()["items"]) == len(shown.customers)
    validate(KIND, customers)
    held = next(c for c, subs in shown.subscriptions.items() if subs)
    listed = raw.get("/billing/subscriptions", {"customerId": held})
    assert listed.json() == {"items": shown.subscriptions[held]}
    validate(KIND, listed)
    missing = raw.get("/billing/subscriptions")
    assert (missing.status_code, missing.json()["title"], missing.headers["content-type"]) == (
        400, "Bad Request", "application/problem+json")
    stranger = raw.get("/billing/subscriptions", {"customerId": ACME})
    assert (stranger.status_code, stranger.json()["title"], stranger.json()["instance"]) == (
        404, "Customer not found", ROOT + "/billing/subscriptions")


def test_a_problem_details_answer_is_shown_by_its_title_and_detail() -> None:
    problem = {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.4", "title": "Customer not found",
               "status": 404, "detail": f"No customer {ACME} under this service provider.",
               "instance": ROOT + "/billing/subscriptions"}
    with ScriptedServer() as scripted:
        scripted.answer(TOKEN, 200, {"access_token": "scripted-token", "expires_in": 3600})
        scripted.answer(ROOT + "/customers", 200, {"items": [{"id": ACME, "displayName": "Acme", "path": []}]})
        scripted.answer(ROOT + "/billing/subscriptions", 404, problem)
        scripted.answer(ROOT + "/billing/subscriptions", 404, problem)
        settings = {"base_url": scripted.url + ROOT, "client_id": "id", "client_secret": SECRET,
                    "subscription_key": KEY}
        with Sherweb(settings, policy=FAST_POLICY) as connector, pytest.raises(BadResponse) as failed:
            list(connector.sync())
    assert (f"answered 404 (Customer not found: No customer {ACME} under this service provider.: no such customer)"
            in failed.value.message)


# -- what counts, and at what price ---------------------------------------------------------------------

def test_one_subscriptions_call_per_live_customer_and_a_suspended_one_is_neither_account_nor_licences(
        server: sandbox.SandboxServer) -> None:
    server.requests.clear()
    records = sync(server)
    shown = VENDOR.view(server.world)
    suspended = [c for c in shown.customers if c["suspendedOn"]]
    owners = VENDOR.accounts(server.world)
    assert suspended and all("deleted distributor account" in owners[c["id"]][0].tags for c in suspended)
    gone = {c["id"] for c in suspended}
    accounts = {r.id for r in records if isinstance(r, Account)}
    assert accounts == {c["id"] for c in shown.customers} - gone
    calls = [c for c in server.requests.of(KIND) if c.path.endswith("/billing/subscriptions")]
    assert len(calls) == len(accounts)
    assert not {q.account_id for q in quantities(records)} & gone


def test_a_suspension_dated_ahead_still_counts() -> None:
    customers = [{"id": ACME, "displayName": "Acme", "path": [], "suspendedOn": "2999-01-01T00:00:00.0000000"},
                 {"id": "gone", "displayName": "Gone", "path": [], "suspendedOn": "2021-01-13T20:30:05.7613888"}]
    records, requests = scripted_sync(customers, {ACME: [subscription()], "gone": [subscription(quantity=9)]})
    assert [r for r in records if isinstance(r, Account)] == [Account(ACME, "Acme")]
    assert [(q.account_id, q.value) for q in quantities(records)] == [(ACME, Decimal(25))]
    assert [r.query for r in requests if r.path.endswith("/subscriptions")] == [{"customerId": ACME}]


def test_skus_are_the_makers_product_ids_and_one_product_in_two_terms_adds_up(server: sandbox.SandboxServer) -> None:
    records, world = sync(server), server.world
    owners = VENDOR.accounts(world)
    two_terms = next(i for i, (c, a) in owners.items() if "two_m365_subs" in c.tags and a.live)
    bought = [s for s in owners[two_terms][0].purchases if s.product == "M365-BP" and s.status == ACTIVE]
    assert {s.term for s in bought} == {"monthly", "annual"}
    assert values(records)[two_terms, "licenses:CFQ7TTC0LCHC:0002"] == sum(s.quantity for s in bought)
    assert {q.metric for q in quantities(records)} <= {f"licenses:{p.maker_id}" for p in catalog.BOUGHT}


def test_trial_pending_and_cancelled_purchases_are_not_listed_at_all(server: sandbox.SandboxServer) -> None:
    shown, owners = VENDOR.view(server.world), VENDOR.accounts(server.world)
    listed = sum(len(subs) for subs in shown.subscriptions.values())
    active = sum(1 for c, _ in owners.values() for s in c.purchases if s.status == ACTIVE)
    others = [s for c, _ in owners.values() for s in c.purchases if s.status != ACTIVE]
    assert listed == active and {s.status for s in others} >= {"trial", "cancelled", "pending"}


def test_a_yearly_fee_is_reported_per_month_and_the_term_is_said_in_the_label(server: sandbox.SandboxServer) -> None:
    shown = VENDOR.view(server.world)
    by_customer = {q.account_id: q for q in quantities(sync(server)) if "billed yearly" in q.label}
    assert by_customer
    for customer_id, quantity in by_customer.items():
        yearly = next(s for s in shown.subscriptions[customer_id] if s["billingCycle"] == "yearly")
        assert quantity.unit_price == Decimal(str(yearly["fees"]["recurringFee"])) / 12
        assert f"{yearly['commitmentTerm']['type']} term to {yearly['commitmentTerm']['termEndDate']}" in quantity.label
    prices = {p.cost for p in catalog.BOUGHT}
    assert {q.unit_price for q in by_customer.values()} <= prices  # a month's cost, never a year's


@pytest.mark.parametrize(("fields", "price", "said"), [
    ({}, Decimal("22.0"), "Microsoft 365 Business Premium · billed monthly"),
    ({"billingCycle": "yearly", "fees": {"recurringFee": 264.0, "setupFee": 0, "currency": "Usd"},
      "commitmentTerm": {"type": "Annual", "termEndDate": "2027-03-14",
                         "renewalConfiguration": {"renewalDate": "2027-03-15", "scheduledQuantity": None}}},
     Decimal("22"), "Microsoft 365 Business Premium · Annual term to 2027-03-14, renews 2027-03-15 · billed yearly"),
    ({"commitmentTerm": {"type": "Triennial", "termEndDate": "2029-01-31"}}, Decimal("22.0"),
     "Microsoft 365 Business Premium · Triennial term to 2029-01-31, does not renew · billed monthly"),
    ({"billingCycle": "none", "fees": {"recurringFee": 120.0, "setupFee": 0, "currency": "Usd"}}, None,
     "Microsoft 365 Business Premium · billed none"),
    ({"billingCycle": "weekly"}, None, "Microsoft 365 Business Premium · billed weekly"),
    ({"fees": None}, None, "Microsoft 365 Business Premium · billed monthly"),
])
def test_a_subscription_is_priced_per_month_only_where_its_cycle_says_how(fields: dict[str, Any],
                                                                         price: Decimal | None, said: str) -> None:
    customers = [{"id": ACME, "displayName": "Acme", "path": ["MSP", "Acme"], "suspendedOn": None}]
    records, _ = scripted_sync(customers, {ACME: [subscription(**fields)]})
    [quantity] = quantities(records)
    assert (quantity.metric, quantity.value, quantity.unit_price, quantity.label) == (
        "licenses:CFQ7TTC0LCHC:0002", Decimal(25), price, said)


def test_a_subscription_without_its_sku_fails_the_sync_in_words() -> None:
    customers = [{"id": ACME, "displayName": "Acme", "path": []}]
    broken = subscription()
    del broken["sku"]
    with pytest.raises(BadResponse, match="a record from Sherweb has no 'sku'"):
        scripted_sync(customers, {ACME: [broken]})


def test_the_fake_shows_each_distributor_account_once_under_the_msps_path(server: sandbox.SandboxServer) -> None:
    shown, world = VENDOR.view(server.world), server.world
    assert len(shown.customers) == len(list(world.accounts(Role.DISTRIBUTOR)))
    assert all(c["path"] == [sherweb.MSP, c["displayName"]] for c in shown.customers)


def test_each_subscription_carries_its_commitment_term_parsed_triennial_ones_too(server: sandbox.SandboxServer) -> None:
    shown = VENDOR.view(server.world)
    terms = [(q.account_id, q.term) for q in quantities(sync(server)) if q.term]
    triennial = [(customer, s) for customer, subs in shown.subscriptions.items() for s in subs
                 if (s.get("commitmentTerm") or {}).get("type") == "Triennial"]
    assert triennial, "the world plants triennial terms"
    for customer, s in triennial:
        assert (customer, Term("yearly", "Triennial", date.fromisoformat(s["commitmentTerm"]["termEndDate"]),
                               date.fromisoformat(s["commitmentTerm"]["renewalConfiguration"]["renewalDate"])
                               if s["commitmentTerm"].get("renewalConfiguration") else None)) in terms
