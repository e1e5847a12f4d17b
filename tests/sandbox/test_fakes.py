"""Every fake vendor, from its declaration alone: it pages every list completely in its own style,
answers each fault as that vendor would, refuses writes, and says no in its own error shape.

No test here names a kind; what is particular to one vendor is in `tests/vendors/`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import httpx
import pytest

import sandbox
from sandbox import VENDORS
from sandbox.routing import Incoming, Reply
from tests.sandbox.raw import HTTP, Raw, token

KINDS = sorted(VENDORS)
GRANTS = [kind for kind in KINDS if VENDORS[kind].grant]


def first_list(raw: Raw) -> str:
    return raw.path(raw.lists()[0])


PROBE = Incoming("GET", "/", {}, {}, b"", "http://127.0.0.1", "")


def shape(kind: str, status: int) -> set[str]:
    """The keys of the vendor's own error body for `status`."""
    return keys(VENDORS[kind].error(PROBE, status, "probe"))


def keys(answer: httpx.Response | Reply) -> set[str]:
    """A JSON body's keys; an XML body's root and its children's tags (`{"result", "status", "error"}`)."""
    xml = "xml" in (answer.content_type if isinstance(answer, Reply) else answer.headers["content-type"])
    body = answer.payload() if isinstance(answer, Reply) else answer.content
    if not xml:
        return set(json.loads(body))
    root = ElementTree.fromstring(body)
    return {root.tag, *root.attrib, *(child.tag for child in root)}


def ids(records: list[dict]) -> list[object]:
    """Each record's `id`, or the whole record where the vendor keys it otherwise (a serial number)."""
    return [r["id"] if "id" in r else json.dumps(r, sort_keys=True) for r in records]


@pytest.mark.parametrize("size", (1, 7, 1000))
@pytest.mark.parametrize("kind", KINDS)
def test_walking_every_list_returns_every_record_exactly_once(served: sandbox.SandboxServer, kind: str,
                                                             size: int) -> None:
    raw = Raw(served, kind)
    for route in raw.lists():
        biggest = getattr(route.listing, "maximum", 1000)
        whole = ids(raw.walk(raw.path(route), route.listing, biggest))
        assert whole and len(set(whole)) == len(whole), route.pattern
        assert ids(raw.walk(raw.path(route), route.listing, min(size, biggest))) == whole, route.pattern


@pytest.mark.parametrize("kind", KINDS)
def test_rate_limit_fault_answers_429_then_recovers(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    fresh_server.faults.inject(kind, "rate_limit", times=2)
    statuses = [raw.get(first_list(raw)).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]


@pytest.mark.parametrize("kind", KINDS)
def test_429_carries_retry_after_where_the_vendor_sends_one(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw, sends = Raw(fresh_server, kind), VENDORS[kind].retry_after
    fresh_server.faults.inject(kind, "rate_limit")
    assert raw.get(first_list(raw)).headers.get("Retry-After") == ("1" if sends else None)
    fresh_server.faults.inject(kind, "rate_limit", seconds=7)
    assert raw.get(first_list(raw)).headers.get("Retry-After") == ("7" if sends else None)


@pytest.mark.parametrize("kind", KINDS)
def test_the_rate_limit_itself_answers_429_in_the_vendors_shape(fresh_server: sandbox.SandboxServer,
                                                                 kind: str) -> None:
    raw = Raw(fresh_server, kind)
    if VENDORS[kind].grant:
        raw.login()  # the token request would take from the same bucket
    fresh_server.set_rate_limit(kind, rate=0.01, burst=2)
    answers = [raw.get(first_list(raw)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    limited = answers[-1]
    assert keys(limited) == shape(kind, 429)
    assert (int(limited.headers["Retry-After"]) >= 1) if VENDORS[kind].retry_after else "Retry-After" not in limited.headers


@pytest.mark.parametrize(("fault", "status"), [("server_error", 500), ("auth", 401)])
@pytest.mark.parametrize("kind", KINDS)
def test_a_fault_answers_once_in_the_vendors_shape_then_passes(fresh_server: sandbox.SandboxServer, kind: str,
                                                               fault: str, status: int) -> None:
    raw = Raw(fresh_server, kind)
    raw.get(first_list(raw))
    fresh_server.faults.inject(kind, fault)
    refused = raw.get(first_list(raw))
    if fault == "auth":  # 401, or the vendor's own refusal (N-sight: 200 with its error 3)
        status = VENDORS[kind].refuse(PROBE).status
    assert refused.status_code == status and keys(refused) == shape(kind, status)
    assert raw.get(first_list(raw)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_timeout_fault_answers_later_than_a_client_waits(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    raw.get(first_list(raw))
    fresh_server.faults.inject(kind, "timeout", seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        raw.get(first_list(raw), timeout=0.2)
    assert raw.get(first_list(raw)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_bad_json_fault_cuts_the_body(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    fresh_server.faults.inject(kind, "bad_json")
    answer = raw.get(first_list(raw))
    assert answer.status_code == 200
    with pytest.raises((ValueError, ElementTree.ParseError)):
        keys(answer)


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_shape_fault_hides_the_list(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    fresh_server.faults.inject(kind, "wrong_shape")
    assert keys(raw.get(first_list(raw))) == {"unexpected"}


@pytest.mark.parametrize("kind", GRANTS)
def test_auth_fault_refuses_the_token_itself_when_it_comes_first(fresh_server: sandbox.SandboxServer,
                                                                 kind: str) -> None:
    fresh_server.faults.inject(kind, "auth")
    refused = token(fresh_server, kind)
    assert (refused.status_code, refused.json()) == (401, VENDORS[kind].grant.refuse().body)
    assert token(fresh_server, kind).status_code == 200


@pytest.mark.parametrize("kind", GRANTS)
def test_other_faults_leave_the_token_endpoint_alone(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    fresh_server.faults.inject(kind, "server_error")
    assert token(fresh_server, kind).status_code == 200
    raw = Raw(fresh_server, kind)
    assert raw.get(first_list(raw)).status_code == 500


@pytest.mark.parametrize("kind", KINDS)
def test_drop_pages_serves_a_fifth_of_a_list(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    route = raw.lists()[0]
    fresh_server.set_rate_limit(kind, 10_000, 10_000)
    whole = raw.walk(raw.path(route), route.listing, 7)
    fresh_server.faults.inject(kind, "drop_pages", times=-1)
    dropped = raw.walk(raw.path(route), route.listing, 7)
    assert dropped == whole[: len(dropped)] and 1 <= len(dropped) <= len(whole) // 5
    fresh_server.faults.clear(kind)
    assert raw.walk(raw.path(route), route.listing, 7) == whole


@pytest.mark.parametrize("kind", KINDS)
def test_a_fault_until_cleared_lasts_until_cleared_and_can_target_one_path(fresh_server: sandbox.SandboxServer,
                                                                         kind: str) -> None:
    raw = Raw(fresh_server, kind)
    target = raw.lists()[0]
    other = next((r for r in raw.lists() if not r.pattern.startswith(target.pattern)), None)
    if other is None:
        pytest.skip(f"one path ({target.pattern}) serves every list of {kind}: a path's fault cannot single one out")
    fresh_server.faults.inject(kind, "server_error", times=-1, path=target.pattern)
    assert [raw.get(raw.path(target)).status_code for _ in range(3)] == [500] * 3
    assert raw.get(raw.path(other)).status_code == 200
    fresh_server.faults.clear()
    assert raw.get(raw.path(target)).status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("kind", KINDS)
def test_data_is_read_only(served: sandbox.SandboxServer, kind: str, method: str) -> None:
    raw = Raw(served, kind)
    for route in raw.lists():
        declared = VENDORS[kind].route(method, route.pattern)[0]
        if route.method != "GET" or (declared is not None and declared.reads):
            continue  # a POST the vendor documents as a read (a query with a filter body) is no write
        answer = raw.send(method, raw.path(route), json={"name": "changed"})
        assert answer.status_code == 405 and "GET" in answer.headers["Allow"], route.pattern
        assert keys(answer) == shape(kind, 405)


@pytest.mark.parametrize("kind", GRANTS)
def test_token_endpoints_only_take_posts(served: sandbox.SandboxServer, kind: str) -> None:
    for path in VENDORS[kind].grant.paths:
        answer = HTTP.get(served.url + VENDORS[kind].prefix + path)
        assert answer.status_code == 405 and answer.headers["Allow"] == "POST"


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_paths_answer_in_the_vendors_shape(served: sandbox.SandboxServer, kind: str) -> None:
    assert keys(Raw(served, kind).get("/toasters")) == shape(kind, 404)


def test_nothing_is_served_outside_the_vendors_prefixes(served: sandbox.SandboxServer) -> None:
    answer = HTTP.get(f"{served.url}/nobody-here")
    assert answer.status_code == 404
    assert sorted(answer.json()["services"]) == sorted(v.prefix for v in VENDORS.values())


@pytest.mark.parametrize("kind", KINDS)
def test_faults_and_the_request_log_are_reachable_over_http(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    control, raw = f"{fresh_server.url}/_sandbox", Raw(fresh_server, kind)
    injected = HTTP.post(control + "/faults", json={"vendor": kind, "fault": "server_error", "times": 2})
    assert injected.status_code == 201 and injected.json()["faults"][0]["times"] == 2
    assert HTTP.get(control + "/faults").json()["faults"][0]["fault"] == "server_error"
    assert raw.get(first_list(raw)).status_code == 500
    assert HTTP.delete(control + "/faults").json() == {"faults": []}
    assert raw.get(first_list(raw)).status_code == 200
    logged = HTTP.get(control + "/requests").json()["requests"]
    route = raw.lists()[0]
    assert logged[-1] == [kind, route.method, route.pattern, route.operation or ""]
    assert HTTP.post(control + "/faults", json={"vendor": kind, "fault": "gremlins"}).status_code == 400
    assert HTTP.post(control + "/faults", json={"vendor": "acme", "fault": "auth"}).status_code == 400


def test_unknown_faults_and_vendors_are_refused_in_process(fresh_server: sandbox.SandboxServer) -> None:
    with pytest.raises(ValueError, match="no fault"):
        fresh_server.faults.inject(KINDS[0], "gremlins")
    with pytest.raises(ValueError, match="no vendor"):
        fresh_server.faults.inject("acme", "auth")
