"""Pax8's own quirks: a JSON token for its partner audience, pages from 0 of at most 200, filters,
its own SKUs for the truth's products, a 403 for a company the partner does not own, and its
error schema."""

from __future__ import annotations

import pytest

import sandbox
from sandbox.truth import catalog
from sandbox.vendors import pax8
from tests.sandbox.raw import HTTP, Raw, token
from tests.sandbox.specs import validate, validate_component, validate_shape

KIND = "pax8"
VENDOR = sandbox.VENDORS[KIND]
PARTNER = "pax8/partner-endpoints-openapi.json"
OAUTH_ERROR = {"type": "object", "required": ["error", "error_description"],
               "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
               "additionalProperties": False}


def view(server: sandbox.SandboxServer) -> pax8.View:
    return VENDOR.view(server.world)


@pytest.mark.parametrize(("change", "status"), [
    ({"client_secret": "wrong"}, 401), ({"audience": "api://p8p.client"}, 401),
    ({"grant_type": "password"}, 400), ({"audience": None}, 400),
])
def test_it_grants_tokens_for_its_partner_audience_only(served: sandbox.SandboxServer,
                                                        change: dict[str, str | None], status: int) -> None:
    answer = token(served, KIND, **change)
    assert answer.status_code == status
    assert answer.json()["error"] == ("access_denied" if status == 401 else answer.json()["error"])


def test_the_token_request_must_be_json(served: sandbox.SandboxServer) -> None:
    answer = HTTP.post(served.base_url(KIND) + "/token", data={"client_id": pax8.CLIENT_ID})
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


def test_tokens_last_a_day_and_are_checked(fresh_server: sandbox.SandboxServer) -> None:
    granted = token(fresh_server, KIND).json()
    assert (granted["expires_in"], granted["token_type"]) == (86400, "Bearer")
    companies = fresh_server.base_url(KIND) + "/companies"
    assert HTTP.get(companies, headers={"Authorization": f"Bearer {granted['access_token']}"}).status_code == 200
    fresh_server.tokens[KIND].expire_all()
    refused = HTTP.get(companies, headers={"Authorization": f"Bearer {granted['access_token']}"})
    assert (refused.status_code, refused.json()["type"]) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("size", (1, 7, 200))
def test_pages_hold_every_company_and_subscription_once(served: sandbox.SandboxServer, size: int) -> None:
    raw, shown = Raw(served, KIND), view(served)
    assert sorted(c["id"] for c in raw.walk("/companies", pax8.PAGES, size)) == sorted(VENDOR.accounts(served.world))
    assert sorted(s["id"] for s in raw.walk("/subscriptions", pax8.PAGES, size)) == sorted(
        s["id"] for s in shown.subscriptions)
    active = raw.walk("/subscriptions", pax8.PAGES, size, status="Active")
    assert sorted(s["id"] for s in active) == sorted(s["id"] for s in shown.subscriptions if s["status"] == "Active")


def test_the_page_object_counts_pages_from_zero(served: sandbox.SandboxServer) -> None:
    body = Raw(served, KIND).get("/companies", {"page": 1, "size": 7}).json()
    total = len(view(served).companies)
    assert body["page"] == {"size": 7, "totalElements": total, "totalPages": -(-total // 7), "number": 1}


def test_it_refuses_pages_larger_than_200_and_defaults_to_10(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    assert raw.get("/subscriptions", {"size": 1000}).status_code == 400
    assert raw.get("/subscriptions").json()["page"]["size"] == 10


def test_it_filters_subscriptions_by_company_and_refuses_a_company_not_the_partners(
        served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), view(served)
    company = shown.companies[0]["id"]
    found = raw.walk("/subscriptions", pax8.PAGES, 200, companyId=company)
    assert sorted(s["id"] for s in found) == sorted(s["id"] for s in shown.subscriptions if s["companyId"] == company)
    assert raw.get("/subscriptions", {"companyId": "00000000-0000-4000-8000-000000000000"}).status_code == 403
    assert raw.get("/subscriptions", {"status": "Sleeping"}).status_code == 400


def test_the_truths_products_and_statuses_are_written_as_pax8_writes_them(served: sandbox.SandboxServer) -> None:
    shown = view(served)
    assert {p["sku"] for p in shown.products} == {pax8.SKUS[p.code] for p in catalog.BOUGHT}
    assert {"Active", "Cancelled", "Trial", "PendingManual"} <= {s["status"] for s in shown.subscriptions}
    assert {"Monthly", "Annual"} <= {s["billingTerm"] for s in shown.subscriptions}
    assert all("commitmentTerm" in s for s in shown.subscriptions if s["billingTerm"] == "Annual")
    assert sum(1 for c in shown.companies if c["status"] == "Deleted") == 1


def test_lists_and_details_fit_the_spec(served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), view(served)
    company, subscription, product = shown.companies[0], shown.subscriptions[0], shown.products[0]
    for path, params in (("/companies", {"size": 200}), ("/subscriptions", {"size": 200}),
                         ("/subscriptions", {"size": 200, "status": "Active", "companyId": company["id"]}),
                         ("/products", {"size": 200}), (f"/companies/{company['id']}", None),
                         (f"/subscriptions/{subscription['id']}", None), (f"/products/{product['id']}", None)):
        answer = raw.get(path, params)
        assert answer.status_code == 200, path
        validate(KIND, answer)


def test_documented_errors_fit_the_spec(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    unknown = "00000000-0000-4000-8000-000000000000"
    for path, params, status in (("/companies/" + unknown, None, 404), ("/products/" + unknown, None, 404),
                                 ("/subscriptions/" + unknown, None, 404),
                                 ("/subscriptions", {"companyId": unknown}, 403)):
        answer = raw.get(path, params)
        assert answer.status_code == status
        validate(KIND, answer)


def test_other_errors_fit_its_error_schema(fresh_server: sandbox.SandboxServer) -> None:
    raw = Raw(fresh_server, KIND)
    answers = [
        HTTP.get(fresh_server.base_url(KIND) + "/companies", headers={"Authorization": "Bearer nope"}),
        raw.get("/companies", {"size": 1000}),
        raw.send("POST", "/companies", json={"name": "New Co"}),
    ]
    fresh_server.faults.inject(KIND, "rate_limit")
    answers.append(raw.get("/companies"))
    fresh_server.faults.inject(KIND, "server_error")
    answers.append(raw.get("/companies"))
    assert [a.status_code for a in answers] == [401, 400, 405, 429, 500]
    assert answers[3].json()["type"] == "TOO_MANY_REQUESTS" and "Retry-After" not in answers[3].headers
    for answer in answers:
        validate_component(answer.json(), PARTNER, "Error")


def test_token_answers_fit_the_authentication_spec(served: sandbox.SandboxServer) -> None:
    granted = token(served, KIND)
    assert granted.json()["expires_in"] == 86400
    validate(KIND, granted)
    refused = token(served, KIND, client_secret="wrong")
    assert refused.status_code == 401
    validate(KIND, refused)
    validate_shape(refused.json(), OAUTH_ERROR)


def test_each_subscription_carries_its_billing_term_and_commitment(served: sandbox.SandboxServer) -> None:
    """`billingTerm` is the cycle, `commitmentTerm{term, endDate}` the commitment: what says when seats can go."""
    from datetime import datetime

    from connectors.pax8 import Pax8
    from connectors.records import Quantity, Term
    from tests.conftest import FAST_POLICY

    with Pax8(served.settings(KIND), policy=FAST_POLICY) as connector:
        terms = [(q.account_id, q.term) for q in connector.sync() if isinstance(q, Quantity)]
    listed = [s for s in view(served).subscriptions if s["status"] == "Active"]
    committed = [s for s in listed if "commitmentTerm" in s]
    assert {s["commitmentTerm"]["term"] for s in committed} == {"1-Year", "3-Year"}
    for s in listed:
        commitment = s.get("commitmentTerm")
        expected = Term(s["billingTerm"].lower(), commitment["term"] if commitment else None,
                        datetime.fromisoformat(commitment["endDate"].replace("Z", "+00:00")).date()
                        if commitment else None)
        assert (s["companyId"], expected) in terms
