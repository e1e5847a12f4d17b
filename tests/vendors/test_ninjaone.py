"""NinjaOne's own quirks: the monitoring-scoped form token, the id cursor, `df` filters, node classes,
epoch seconds with a fraction, and its two error shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import connectors
import sandbox
from connectors.records import Asset
from sandbox.vendors import ninjaone
from tests.conftest import FAST_POLICY
from tests.sandbox.raw import HTTP, Raw, token
from tests.sandbox.specs import validate, validate_shape

KIND = "ninjaone"
VENDOR = sandbox.VENDORS[KIND]
SIZES = (1, 7, 1000)
# vendor-apis/ninjaone.md: non-OAuth errors, and the OAuth token endpoint's errors
ERROR = {"type": "object", "required": ["resultCode", "errorMessage"],
         "properties": {"resultCode": {"const": "FAILURE"}, "errorMessage": {"type": "string"},
                        "incidentId": {"type": "string"}}}
OAUTH_ERROR = {"type": "object", "required": ["error", "error_description"],
               "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
               "additionalProperties": False}
TOKEN = {"type": "object", "required": ["access_token", "token_type", "expires_in", "scope"],
         "properties": {"access_token": {"type": "string"}, "token_type": {"const": "Bearer"},
                        "expires_in": {"type": "integer"}, "scope": {"const": "monitoring"}}}


def view(server: sandbox.SandboxServer) -> ninjaone.View:
    return VENDOR.view(server.world)


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "someone-else"}, 401, "invalid_client"),
    ({"scope": "monitoring management"}, 400, "invalid_scope"),
    ({"scope": ""}, 400, "invalid_scope"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
])
def test_it_grants_only_this_apps_monitoring_scope(served: sandbox.SandboxServer, change: dict[str, str],
                                                   status: int, error: str) -> None:
    answer = token(served, KIND, **change)
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_the_token_request_must_be_a_form(served: sandbox.SandboxServer) -> None:
    answer = HTTP.post(served.base_url(KIND) + "/ws/oauth/token",
                       json={"grant_type": "client_credentials", "client_id": ninjaone.CLIENT_ID})
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


def test_tokens_last_an_hour_and_can_be_expired(fresh_server: sandbox.SandboxServer) -> None:
    granted = token(fresh_server, KIND).json()
    assert (granted["expires_in"], granted["token_type"], granted["scope"]) == (3600, "Bearer", "monitoring")
    headers = {"Authorization": f"Bearer {granted['access_token']}"}
    devices = fresh_server.base_url(KIND) + "/v2/devices"
    assert HTTP.get(devices, headers=headers).status_code == 200
    fresh_server.tokens[KIND].advance(3601)
    expired = HTTP.get(devices, headers=headers)
    assert expired.status_code == 401 and expired.json()["resultCode"] == "FAILURE"
    fresh_server.tokens[KIND].lifetime = 120
    assert token(fresh_server, KIND).json()["expires_in"] == 120


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic bm9wZTpub3Bl"])
def test_it_refuses_a_missing_or_unknown_bearer_token(served: sandbox.SandboxServer, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = HTTP.get(served.base_url(KIND) + "/v2/organizations", headers=headers)
    assert answer.status_code == 401 and "WWW-Authenticate" in answer.headers


@pytest.mark.parametrize("size", SIZES)
def test_the_cursor_walks_every_organisation_and_device_once(served: sandbox.SandboxServer, size: int) -> None:
    raw, shown = Raw(served, KIND), view(served)
    assert [o["id"] for o in raw.walk("/v2/organizations", ninjaone.PAGES, size)] == sorted(
        int(i) for i in VENDOR.accounts(served.world))
    assert [d["id"] for d in raw.walk("/v2/devices", ninjaone.PAGES, size)] == sorted(d["id"] for d in shown.devices)


def test_the_device_filter_narrows_to_one_organisation(served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), view(served)
    org = shown.organizations[0]["id"]
    by_filter = [d["id"] for d in raw.get("/v2/devices", {"df": f"org = {org}"}).json()]
    by_path = [d["id"] for d in raw.get(f"/v2/organization/{org}/devices").json()]
    assert by_filter == by_path == sorted(d["id"] for d in shown.devices if d["organizationId"] == org)
    assert raw.get("/v2/devices", {"df": "colour = blue"}).status_code == 400
    assert raw.get("/v2/organization/999999/devices").status_code == 404


def test_drop_pages_leaves_details_alone(fresh_server: sandbox.SandboxServer) -> None:
    fresh_server.faults.inject(KIND, "drop_pages")
    org = view(fresh_server).organizations[0]["id"]
    assert Raw(fresh_server, KIND).get(f"/v2/organization/{org}").status_code == 200
    assert fresh_server.faults.waiting()[0]["times"] == 1  # not consumed by a detail request


def test_devices_carry_ninjaone_classes_and_epoch_seconds_with_a_fraction(served: sandbox.SandboxServer) -> None:
    devices = view(served).devices
    classes = {d["nodeClass"] for d in devices}
    assert {"WINDOWS_WORKSTATION", "MAC", "WINDOWS_SERVER", "APPLE_IOS"} <= classes
    assert {"VMWARE_VM_GUEST", "HYPERV_VMM_GUEST"} & classes and any(c.startswith("NMS_") for c in classes)
    assert all(d["lastContact"] % 1 and d["created"] % 1 for d in devices)
    assert {d["approvalStatus"] for d in devices} == {"APPROVED", "PENDING"}


def test_the_connector_sees_every_approved_device_as_an_asset_last_seen_at_its_last_contact(
        served: sandbox.SandboxServer) -> None:
    with connectors.REGISTRY[KIND](served.settings(KIND), policy=FAST_POLICY) as connector:
        assets = {a.id: a for a in connector.sync() if isinstance(a, Asset)}
    approved = [d for d in view(served).devices if d["approvalStatus"] == "APPROVED"]
    assert len(assets) == len(approved)
    device = approved[0]
    assert assets[str(device["id"])].last_seen == datetime.fromtimestamp(device["lastContact"], UTC)
    assert assets[str(device["id"])].name == device["systemName"]


def test_lists_and_details_fit_the_spec(served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), view(served)
    org, device = shown.organizations[0]["id"], shown.devices[0]["id"]
    for path in ("/v2/organizations", "/v2/organizations-detailed", "/v2/devices", "/v2/devices-detailed",
                 f"/v2/organization/{org}", f"/v2/organization/{org}/devices", f"/v2/device/{device}"):
        answer = raw.get(path, {"pageSize": 1000} if "/v2/organization/" not in path else None)
        assert answer.status_code == 200 and answer.json(), path
        validate(KIND, answer)


def test_token_and_errors_have_the_documented_shapes(fresh_server: sandbox.SandboxServer) -> None:
    validate_shape(token(fresh_server, KIND).json(), TOKEN)
    for refused in (token(fresh_server, KIND, client_secret="wrong"), token(fresh_server, KIND, scope="management")):
        assert refused.status_code in (400, 401)
        validate_shape(refused.json(), OAUTH_ERROR)
    raw = Raw(fresh_server, KIND)
    answers = [
        HTTP.get(fresh_server.base_url(KIND) + "/v2/organizations", headers={"Authorization": "Bearer nope"}),
        raw.get("/v2/organization/999999"),
        raw.get("/v2/devices", {"df": "colour = blue"}),
        raw.send("PATCH", "/v2/device/1", json={"displayName": "x"}),
    ]
    fresh_server.faults.inject(KIND, "rate_limit")
    answers.append(raw.get("/v2/devices"))
    assert [a.status_code for a in answers] == [401, 404, 400, 405, 429]
    for answer in answers:
        validate_shape(answer.json(), ERROR)
