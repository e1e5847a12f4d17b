"""Each fake checks credentials the way its vendor documents, refuses the way it does, and only reads."""

from __future__ import annotations

import base64

import pytest

import sandbox
from sandbox import connectwise
from tests.sandbox.raw import HTTP, Raw, cw_headers, ninja_token, pax8_token


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


GOOD_USER = f"{connectwise.COMPANY_ID}+{connectwise.PUBLIC_KEY}"


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 200),
    ({"Authorization": basic(GOOD_USER.upper().replace(connectwise.PUBLIC_KEY.upper(), connectwise.PUBLIC_KEY),
                             connectwise.PRIVATE_KEY)}, 200),  # the company id is not case-sensitive
    ({"Authorization": basic(GOOD_USER, "wrong-private-key")}, 401),
    ({"Authorization": basic(f"othermsp+{connectwise.PUBLIC_KEY}", connectwise.PRIVATE_KEY)}, 401),
    ({"Authorization": basic(connectwise.PUBLIC_KEY, connectwise.PRIVATE_KEY)}, 401),  # no company+
    ({"Authorization": "Bearer " + connectwise.PRIVATE_KEY}, 401),
    ({"clientId": ""}, 401),
    ({"clientId": "00000000-0000-0000-0000-000000000000"}, 401),
])
def test_connectwise_wants_basic_keys_and_a_client_id(server: sandbox.SandboxServer, headers: dict[str, str],
                                                      status: int) -> None:
    answer = HTTP.get(server.base_url("connectwise") + "/system/info", headers=cw_headers(**headers))
    assert answer.status_code == status
    if status == 401:
        assert answer.json()["code"] == "Unauthorized"


def test_connectwise_discovery_needs_no_credentials(server: sandbox.SandboxServer) -> None:
    answer = HTTP.get(f"{server.url}/connectwise/login/companyinfo/{connectwise.COMPANY_ID}")
    assert answer.status_code == 200 and answer.json()["CompanyID"] == connectwise.COMPANY_ID
    assert HTTP.get(f"{server.url}/connectwise/login/companyinfo/someone-else").status_code == 404


def test_connectwise_outside_its_codebase_cannot_route(server: sandbox.SandboxServer) -> None:
    answer = HTTP.get(f"{server.url}/connectwise/v2099_1/apis/3.0/company/companies", headers=cw_headers())
    assert answer.status_code == 404 and answer.text == "Cannot route. Codebase/company is invalid"


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "someone-else"}, 401, "invalid_client"),
    ({"scope": "monitoring management"}, 400, "invalid_scope"),
    ({"scope": ""}, 400, "invalid_scope"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
])
def test_ninjaone_grants_only_this_apps_monitoring_scope(server: sandbox.SandboxServer, change: dict[str, str],
                                                          status: int, error: str) -> None:
    answer = ninja_token(server, **change)
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_ninjaone_token_request_must_be_a_form(server: sandbox.SandboxServer) -> None:
    answer = HTTP.post(server.base_url("ninjaone") + "/ws/oauth/token",
                       json={"grant_type": "client_credentials", "client_id": sandbox.ninjaone.CLIENT_ID})
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


def test_ninjaone_tokens_last_an_hour_and_can_be_expired(fresh_server: sandbox.SandboxServer) -> None:
    granted = ninja_token(fresh_server).json()
    assert (granted["expires_in"], granted["token_type"], granted["scope"]) == (3600, "Bearer", "monitoring")
    headers = {"Authorization": f"Bearer {granted['access_token']}"}
    devices = fresh_server.base_url("ninjaone") + "/v2/devices"
    assert HTTP.get(devices, headers=headers).status_code == 200
    fresh_server.tokens["ninjaone"].advance(3601)
    expired = HTTP.get(devices, headers=headers)
    assert expired.status_code == 401 and expired.json()["resultCode"] == "FAILURE"
    fresh_server.tokens["ninjaone"].lifetime = 120
    assert ninja_token(fresh_server).json()["expires_in"] == 120


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic bm9wZTpub3Bl"])
def test_ninjaone_refuses_a_missing_or_unknown_bearer_token(server: sandbox.SandboxServer,
                                                            authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = HTTP.get(server.base_url("ninjaone") + "/v2/organizations", headers=headers)
    assert answer.status_code == 401 and "WWW-Authenticate" in answer.headers


@pytest.mark.parametrize(("change", "status"), [
    ({"client_secret": "wrong"}, 401), ({"audience": "api://p8p.client"}, 401),
    ({"grant_type": "password"}, 400), ({"audience": None}, 400),
])
def test_pax8_grants_tokens_for_its_partner_audience_only(server: sandbox.SandboxServer,
                                                          change: dict[str, str | None], status: int) -> None:
    answer = pax8_token(server, **change)  # type: ignore[arg-type]
    assert answer.status_code == status
    assert answer.json()["error"] == ("access_denied" if status == 401 else answer.json()["error"])


def test_pax8_token_request_must_be_json(server: sandbox.SandboxServer) -> None:
    answer = HTTP.post(server.base_url("pax8") + "/token", data={"client_id": sandbox.pax8.CLIENT_ID})
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


def test_pax8_tokens_last_a_day_and_are_checked(fresh_server: sandbox.SandboxServer) -> None:
    granted = pax8_token(fresh_server).json()
    assert (granted["expires_in"], granted["token_type"]) == (86400, "Bearer")
    companies = fresh_server.base_url("pax8") + "/companies"
    assert HTTP.get(companies, headers={"Authorization": f"Bearer {granted['access_token']}"}).status_code == 200
    fresh_server.tokens["pax8"].expire_all()
    refused = HTTP.get(companies, headers={"Authorization": f"Bearer {granted['access_token']}"})
    assert (refused.status_code, refused.json()["type"]) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize(("kind", "path"), [
    ("connectwise", "/company/companies"), ("connectwise", "/finance/agreements/311"),
    ("ninjaone", "/v2/organizations"), ("ninjaone", "/v2/device/1001"),
    ("pax8", "/companies"), ("pax8", "/subscriptions"),
])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_data_is_read_only(server: sandbox.SandboxServer, kind: str, path: str, method: str) -> None:
    answer = Raw(server, kind).send(method, path, json={"name": "changed"})
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
    assert answer.json()  # in the vendor's own error shape (see test_vendor_schemas)


@pytest.mark.parametrize(("kind", "path"), [("ninjaone", "/ws/oauth/token"), ("pax8", "/token")])
def test_token_endpoints_only_take_posts(server: sandbox.SandboxServer, kind: str, path: str) -> None:
    answer = HTTP.get(server.base_url(kind) + path)
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"


def test_unknown_paths_answer_in_the_vendors_shape(server: sandbox.SandboxServer) -> None:
    assert Raw(server, "ninjaone").get("/v2/toasters").json()["resultCode"] == "FAILURE"
    assert Raw(server, "pax8").get("/toasters").json()["type"] == "NOT_FOUND"
    assert Raw(server, "connectwise").get("/toasters").json()["code"] == "NotFound"
    assert HTTP.get(f"{server.url}/nobody-here").status_code == 404
