"""The sandbox server itself: where it listens, what it says about itself, and that a seed answers alike."""

from __future__ import annotations

import socket

import httpx

import sandbox
from sandbox.routing import Incoming, Reply
from tests.sandbox.conftest import NOW
from tests.sandbox.raw import HTTP, Raw

PATHS = {
    "connectwise": ["/company/companies?pageSize=1000", "/finance/agreements?pageSize=1000",
                    "/finance/agreements/311/additions", "/procurement/catalog"],
    "ninjaone": ["/v2/organizations", "/v2/devices", "/v2/devices-detailed"],
    "pax8": ["/companies?size=200", "/subscriptions?size=200", "/products?size=200"],
}


def answers(server: sandbox.SandboxServer) -> dict[str, bytes]:
    return {f"{kind}{path}": Raw(server, kind).get(path).content for kind, paths in PATHS.items() for path in paths}


def test_the_same_seed_serves_the_same_answers() -> None:
    with sandbox.start(clients=20, seed=5, now=NOW) as one, sandbox.start(clients=20, seed=5, now=NOW) as two:
        assert one.port != two.port
        assert answers(one) == answers(two)


def test_another_seed_serves_other_answers() -> None:
    with sandbox.start(clients=20, seed=5, now=NOW) as one, sandbox.start(clients=20, seed=6, now=NOW) as two:
        assert answers(one) != answers(two)


def test_it_listens_on_loopback_only_and_stops_cleanly() -> None:
    server = sandbox.start(clients=20, seed=5)
    assert server.url.startswith("http://127.0.0.1:")
    port = server.port
    server.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_describe_names_every_vendor_url_and_credential(server: sandbox.SandboxServer) -> None:
    text = sandbox.describe(server)
    for kind in ("connectwise", "ninjaone", "pax8"):
        assert all(value in text for value in server.settings(kind).values())
    assert f"{server.url}/_sandbox/faults" in text


def test_another_fake_can_be_mounted_under_its_own_prefix(fresh_server: sandbox.SandboxServer) -> None:
    def slack(incoming: Incoming) -> Reply:
        return Reply(200, {"ok": True, "path": incoming.path, "prefix": incoming.prefix})

    fresh_server.mount("/slack", slack)
    answer = HTTP.post(f"{fresh_server.url}/slack/api/auth.test", data={"token": "x"})
    assert answer.json() == {"ok": True, "path": "/api/auth.test", "prefix": "/slack"}
    assert all(entry.vendor != "slack" for entry in fresh_server.requests)


def test_the_request_log_records_vendor_method_and_path(fresh_server: sandbox.SandboxServer) -> None:
    Raw(fresh_server, "connectwise").get("/system/info", {"x": "1"})
    assert list(fresh_server.requests)[-1] == ("connectwise", "GET", "/v4_6_release/apis/3.0/system/info")
    fresh_server.requests.clear()
    assert len(fresh_server.requests) == 0


def test_head_requests_get_no_body(fresh_server: sandbox.SandboxServer) -> None:
    answer = httpx.head(fresh_server.base_url("pax8") + "/companies")
    assert answer.status_code == 405 and answer.content == b""
