"""Every answer the fakes give for the endpoints the connectors call fits that vendor's own OpenAPI document.

Lists are fetched whole (every record is validated), details and counts for a sample, and error
bodies wherever the vendor documents them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sandbox
from tests.sandbox.raw import HTTP, Raw, cw_headers, ninja_token, pax8_token
from tests.sandbox.specs import (
    CONNECTWISE_COMPANY_INFO,
    CONNECTWISE_ERROR,
    CONNECTWISE_SYSTEM_INFO,
    NINJAONE_ERROR,
    NINJAONE_TOKEN,
    OAUTH_ERROR,
    validate,
    validate_component,
    validate_shape,
)


@pytest.fixture(scope="module")
def served() -> Iterator[sandbox.SandboxServer]:
    with sandbox.start(clients=60, seed=7) as server:
        for kind in server.vendors:
            server.set_rate_limit(kind, 1000, 1000)  # this module makes a few hundred quick calls
        yield server


# -- ConnectWise ----------------------------------------------------------------------------------

def test_connectwise_lists_fit_the_spec(served: sandbox.SandboxServer) -> None:
    cw = Raw(served, "connectwise")
    for path in ("/company/companies", "/finance/agreements", "/procurement/catalog"):
        answer = cw.get(path, {"pageSize": 1000, "orderBy": "id asc"})
        assert answer.status_code == 200 and answer.json()
        validate("connectwise", answer)
    for agreement in served.world.connectwise.agreements:
        validate("connectwise", cw.get(f"/finance/agreements/{agreement.id}/additions", {"pageSize": 1000}))


def test_connectwise_details_and_counts_fit_the_spec(served: sandbox.SandboxServer) -> None:
    cw, world = Raw(served, "connectwise"), served.world
    agreement = world.connectwise.agreements[0]
    addition = next(a for a in world.connectwise.additions if a.agreement_id == agreement.id)
    for path in (f"/company/companies/{world.connectwise.companies[0].id}", f"/finance/agreements/{agreement.id}",
                 f"/finance/agreements/{agreement.id}/additions/{addition.id}",
                 f"/procurement/catalog/{world.connectwise.catalog[0].id}",
                 "/company/companies/count", "/finance/agreements/count",
                 f"/finance/agreements/{agreement.id}/additions/count", "/procurement/catalog/count"):
        answer = cw.get(path, {"conditions": "id > 0"} if path.endswith("count") else None)
        assert answer.status_code == 200, path
        validate("connectwise", answer)


def test_connectwise_discovery_and_system_info_have_the_documented_fields(served: sandbox.SandboxServer) -> None:
    info = Raw(served, "connectwise").get("/system/info")
    validate_shape(info.json(), CONNECTWISE_SYSTEM_INFO)
    discovery = HTTP.get(f"{served.url}/connectwise/login/companyinfo/{sandbox.connectwise.COMPANY_ID}")
    validate_shape(discovery.json(), CONNECTWISE_COMPANY_INFO)
    assert discovery.json()["Codebase"] == "v4_6_release/"


def test_connectwise_errors_have_the_documented_shape(served: sandbox.SandboxServer) -> None:
    cw = Raw(served, "connectwise")
    base = served.base_url("connectwise")
    answers = {
        401: HTTP.get(base + "/company/companies", headers=cw_headers(Authorization="Basic bm9wZTpub3Bl")),
        404: cw.get("/company/companies/999999"),
        400: cw.get("/company/companies", {"conditions": "favouriteColour = 'blue'"}),
        405: cw.send("DELETE", "/company/companies/250"),
    }
    served.faults.inject("connectwise", "rate_limit")
    answers[429] = cw.get("/company/companies")
    served.faults.inject("connectwise", "server_error")
    answers[500] = cw.get("/company/companies")
    for status, answer in answers.items():
        assert answer.status_code == status
        validate_shape(answer.json(), CONNECTWISE_ERROR)
    assert answers[400].json()["errors"][0]["field"] == "conditions"


# -- NinjaOne -------------------------------------------------------------------------------------

def test_ninjaone_lists_and_details_fit_the_spec(served: sandbox.SandboxServer) -> None:
    ninja, world = Raw(served, "ninjaone"), served.world
    org, device = world.ninjaone.organizations[0], world.ninjaone.devices[0]
    for path in ("/v2/organizations", "/v2/organizations-detailed", "/v2/devices", "/v2/devices-detailed",
                 f"/v2/organization/{org.id}", f"/v2/organization/{org.id}/devices", f"/v2/device/{device.id}"):
        answer = ninja.get(path, {"pageSize": 1000} if "/v2/organization/" not in path else None)
        assert answer.status_code == 200 and answer.json(), path
        validate("ninjaone", answer)


def test_ninjaone_token_and_errors_have_the_documented_shapes(served: sandbox.SandboxServer) -> None:
    validate_shape(ninja_token(served).json(), NINJAONE_TOKEN)
    for refused in (ninja_token(served, client_secret="wrong"), ninja_token(served, scope="management")):
        assert refused.status_code in (400, 401)
        validate_shape(refused.json(), OAUTH_ERROR)
    ninja = Raw(served, "ninjaone")
    answers = [
        HTTP.get(served.base_url("ninjaone") + "/v2/organizations", headers={"Authorization": "Bearer nope"}),
        ninja.get("/v2/organization/999999"),
        ninja.get("/v2/devices", {"df": "colour = blue"}),
        ninja.send("PATCH", "/v2/device/1", json={"displayName": "x"}),
    ]
    served.faults.inject("ninjaone", "rate_limit")
    answers.append(ninja.get("/v2/devices"))
    assert [a.status_code for a in answers] == [401, 404, 400, 405, 429]
    for answer in answers:
        validate_shape(answer.json(), NINJAONE_ERROR)


# -- Pax8 -----------------------------------------------------------------------------------------

def test_pax8_lists_and_details_fit_the_spec(served: sandbox.SandboxServer) -> None:
    pax8, world = Raw(served, "pax8"), served.world
    company = world.pax8.companies[0]
    subscription, product = world.pax8.subscriptions[0], world.pax8.products[0]
    for path, params in (("/companies", {"size": 200}), ("/subscriptions", {"size": 200}),
                         ("/subscriptions", {"size": 200, "status": "Active", "companyId": company.id}),
                         ("/products", {"size": 200}), (f"/companies/{company.id}", None),
                         (f"/subscriptions/{subscription.id}", None), (f"/products/{product.id}", None)):
        answer = pax8.get(path, params)
        assert answer.status_code == 200, path
        validate("pax8", answer)


def test_pax8_documented_errors_fit_the_spec(served: sandbox.SandboxServer) -> None:
    pax8 = Raw(served, "pax8")
    unknown = "00000000-0000-4000-8000-000000000000"
    for path, params, status in (("/companies/" + unknown, None, 404), ("/products/" + unknown, None, 404),
                                 ("/subscriptions/" + unknown, None, 404),
                                 ("/subscriptions", {"companyId": unknown}, 403)):
        answer = pax8.get(path, params)
        assert answer.status_code == status
        validate("pax8", answer)


def test_pax8_other_errors_fit_its_error_schema(served: sandbox.SandboxServer) -> None:
    pax8 = Raw(served, "pax8")
    answers = [
        HTTP.get(served.base_url("pax8") + "/companies", headers={"Authorization": "Bearer nope"}),
        pax8.get("/companies", {"size": 1000}),
        pax8.send("POST", "/companies", json={"name": "New Co"}),
    ]
    served.faults.inject("pax8", "rate_limit")
    answers.append(pax8.get("/companies"))
    served.faults.inject("pax8", "server_error")
    answers.append(pax8.get("/companies"))
    assert [a.status_code for a in answers] == [401, 400, 405, 429, 500]
    for answer in answers:
        validate_component(answer.json(), "pax8", "Error")


def test_pax8_token_answers_fit_the_authentication_spec(served: sandbox.SandboxServer) -> None:
    granted = pax8_token(served)
    assert granted.json()["expires_in"] == 86400
    validate("pax8", granted, spec="pax8-auth")
    refused = pax8_token(served, client_secret="wrong")
    assert refused.status_code == 401
    validate("pax8", refused, spec="pax8-auth")
    validate_shape(refused.json(), OAUTH_ERROR)
