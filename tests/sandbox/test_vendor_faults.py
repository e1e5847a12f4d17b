"""Faults, switched on per vendor, answer as that vendor would; the rate limit answers 429 in its shape."""

from __future__ import annotations

import httpx
import pytest

import sandbox
from tests.sandbox.raw import HTTP, Raw, ninja_token, pax8_token
from tests.sandbox.test_vendor_paging import connectwise_walk, ninjaone_walk, pax8_walk

KINDS = ("connectwise", "ninjaone", "pax8")
LISTS = {"connectwise": "/company/companies", "ninjaone": "/v2/devices", "pax8": "/subscriptions"}


def walk(raw: Raw, kind: str, size: int) -> list[int | str]:
    """Every id of a list, paged as the vendor pages."""
    if kind == "connectwise":
        return connectwise_walk(raw, LISTS[kind], size)
    if kind == "ninjaone":
        return ninjaone_walk(raw, LISTS[kind], size)
    return pax8_walk(raw, LISTS[kind], size)


@pytest.mark.parametrize("kind", KINDS)
def test_rate_limit_fault_answers_429_then_recovers(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()  # fetch a token first: the fault is for data requests
    fresh_server.faults.inject(kind, "rate_limit", times=2)
    statuses = [raw.get(LISTS[kind]).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]


@pytest.mark.parametrize(("kind", "retry_after"), [("connectwise", "1"), ("ninjaone", "1"), ("pax8", None)])
def test_429_carries_retry_after_where_the_vendor_sends_one(fresh_server: sandbox.SandboxServer, kind: str,
                                                            retry_after: str | None) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()
    fresh_server.faults.inject(kind, "rate_limit")
    assert raw.get(LISTS[kind]).headers.get("Retry-After") == retry_after
    fresh_server.faults.inject(kind, "rate_limit", seconds=7)
    assert raw.get(LISTS[kind]).headers.get("Retry-After") == (retry_after and "7")


@pytest.mark.parametrize("kind", KINDS)
def test_the_rate_limit_itself_answers_429_in_the_vendors_shape(fresh_server: sandbox.SandboxServer,
                                                                 kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()
    fresh_server.set_rate_limit(kind, rate=0.01, burst=2)
    answers = [raw.get(LISTS[kind]) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    limited = answers[-1]
    if kind == "pax8":
        assert "Retry-After" not in limited.headers and limited.json()["type"] == "TOO_MANY_REQUESTS"
    else:
        assert int(limited.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("kind", KINDS)
def test_server_error_fault_answers_500(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()
    fresh_server.faults.inject(kind, "server_error")
    assert raw.get(LISTS[kind]).status_code == 500
    assert raw.get(LISTS[kind]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_timeout_fault_answers_later_than_a_client_waits(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()
    fresh_server.faults.inject(kind, "timeout", seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        raw.get(LISTS[kind], timeout=0.2)
    assert raw.get(LISTS[kind]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_bad_json_fault_cuts_the_body(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()
    fresh_server.faults.inject(kind, "bad_json")
    answer = raw.get(LISTS[kind])
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_shape_fault_hides_the_list(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()
    fresh_server.faults.inject(kind, "wrong_shape")
    body = raw.get(LISTS[kind]).json()
    assert isinstance(body, dict) and set(body) == {"unexpected"}


@pytest.mark.parametrize("kind", KINDS)
def test_auth_fault_refuses_a_data_request(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.headers()
    fresh_server.faults.inject(kind, "auth")
    assert raw.get(LISTS[kind]).status_code == 401
    assert raw.get(LISTS[kind]).status_code == 200


@pytest.mark.parametrize(("kind", "ask", "error"), [("ninjaone", ninja_token, "invalid_client"),
                                                     ("pax8", pax8_token, "access_denied")])
def test_auth_fault_refuses_the_token_itself_when_it_comes_first(fresh_server: sandbox.SandboxServer, kind: str,
                                                                 ask, error: str) -> None:  # type: ignore[no-untyped-def]
    fresh_server.faults.inject(kind, "auth")
    refused = ask(fresh_server)
    assert (refused.status_code, refused.json()["error"]) == (401, error)
    assert ask(fresh_server).status_code == 200


@pytest.mark.parametrize("kind", ("ninjaone", "pax8"))
def test_other_faults_leave_the_token_endpoint_alone(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    fresh_server.faults.inject(kind, "server_error")
    assert (ninja_token if kind == "ninjaone" else pax8_token)(fresh_server).status_code == 200
    assert Raw(fresh_server, kind).get(LISTS[kind]).status_code == 500


@pytest.mark.parametrize("kind", KINDS)
def test_drop_pages_serves_a_fifth_of_a_list(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    fresh_server.set_rate_limit(kind, 10_000, 10_000)
    whole = walk(raw, kind, 7)
    fresh_server.faults.inject(kind, "drop_pages", times=-1)
    dropped = walk(raw, kind, 7)
    assert dropped == whole[: len(dropped)] and 1 <= len(dropped) <= len(whole) // 5
    fresh_server.faults.clear(kind)
    assert walk(raw, kind, 7) == whole


def test_drop_pages_leaves_details_alone(fresh_server: sandbox.SandboxServer) -> None:
    fresh_server.faults.inject("ninjaone", "drop_pages")
    org = fresh_server.world.ninjaone.organizations[0].id
    ninja = Raw(fresh_server, "ninjaone")
    assert ninja.get(f"/v2/organization/{org}").status_code == 200
    assert fresh_server.faults.waiting()[0]["times"] == 1  # not consumed by a detail request


def test_a_fault_until_cleared_lasts_until_cleared(fresh_server: sandbox.SandboxServer) -> None:
    raw = Raw(fresh_server, "connectwise")
    fresh_server.faults.inject("connectwise", "server_error", times=-1)
    assert [raw.get("/system/info").status_code for _ in range(4)] == [500] * 4
    fresh_server.faults.clear()
    assert raw.get("/system/info").status_code == 200


def test_a_fault_can_target_one_path(fresh_server: sandbox.SandboxServer) -> None:
    raw = Raw(fresh_server, "connectwise")
    fresh_server.faults.inject("connectwise", "server_error", path="/v4_6_release/apis/3.0/finance")
    assert raw.get("/company/companies").status_code == 200
    assert raw.get("/finance/agreements").status_code == 500


def test_faults_and_the_request_log_are_reachable_over_http(fresh_server: sandbox.SandboxServer) -> None:
    control = f"{fresh_server.url}/_sandbox"
    injected = HTTP.post(control + "/faults", json={"vendor": "pax8", "fault": "server_error", "times": 2})
    assert injected.status_code == 201 and injected.json()["faults"][0]["times"] == 2
    assert HTTP.get(control + "/faults").json()["faults"][0]["fault"] == "server_error"
    assert Raw(fresh_server, "pax8").get("/companies").status_code == 500
    assert HTTP.delete(control + "/faults").json() == {"faults": []}
    assert Raw(fresh_server, "pax8").get("/companies").status_code == 200
    logged = HTTP.get(control + "/requests").json()["requests"]
    assert ["pax8", "POST", "/v1/token"] in logged and logged[-1] == ["pax8", "GET", "/v1/companies"]
    assert HTTP.post(control + "/faults", json={"vendor": "pax8", "fault": "gremlins"}).status_code == 400
    assert HTTP.post(control + "/faults", json={"vendor": "acme", "fault": "auth"}).status_code == 400


def test_unknown_faults_and_vendors_are_refused_in_process(fresh_server: sandbox.SandboxServer) -> None:
    with pytest.raises(ValueError, match="no fault"):
        fresh_server.faults.inject("pax8", "gremlins")
    with pytest.raises(ValueError, match="no vendor"):
        fresh_server.faults.inject("acme", "auth")
