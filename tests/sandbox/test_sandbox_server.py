"""The sandbox server itself: where it listens, what it says about itself, and that a seed answers alike."""

from __future__ import annotations

import socket

import httpx

import pytest

import sandbox
from sandbox.routing import Incoming, Reply
from tests.sandbox.raw import HTTP, Raw
from tests.truth.conftest import NOW


def answers(server: sandbox.SandboxServer) -> dict[str, bytes]:
    """Every list of every vendor, walked whole."""
    walked = {}
    for kind in server.vendors:
        raw = Raw(server, kind)
        for route in raw.lists():
            walked[kind + route.pattern] = repr(raw.walk(raw.path(route), route.listing, 50)).encode()
    return walked


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
    assert set(server.vendors) == set(sandbox.VENDORS)
    for kind in server.vendors:
        assert all(value in text for value in server.settings(kind).values())
    assert f"{server.url}/_sandbox/faults" in text


def test_another_fake_can_be_mounted_under_its_own_prefix(fresh_server: sandbox.SandboxServer) -> None:
    def slack(incoming: Incoming) -> Reply:
        return Reply(200, {"ok": True, "path": incoming.path, "prefix": incoming.prefix})

    fresh_server.mount("/slack", slack)
    answer = HTTP.post(f"{fresh_server.url}/slack/api/auth.test", data={"token": "x"})
    assert answer.json() == {"ok": True, "path": "/api/auth.test", "prefix": "/slack"}
    assert all(entry.vendor != "slack" for entry in fresh_server.requests)


@pytest.mark.parametrize("kind", sorted(sandbox.VENDORS))
def test_the_request_log_records_vendor_method_and_path(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    route = raw.lists()[0]
    raw.get(raw.path(route), {"x": "1"})
    assert list(fresh_server.requests)[-1] == (kind, route.method, route.pattern, route.operation or "")
    fresh_server.requests.clear()
    assert len(fresh_server.requests) == 0


@pytest.mark.parametrize("kind", sorted(sandbox.VENDORS))
def test_head_requests_get_no_body(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    raw = Raw(fresh_server, kind)
    answer = httpx.head(raw.base + raw.path(raw.lists()[0]))
    assert answer.status_code == 405 and answer.content == b""


def test_a_request_can_keep_its_exchange_for_spec_checks(fresh_server: sandbox.SandboxServer) -> None:
    kind = sorted(sandbox.VENDORS)[0]
    raw = Raw(fresh_server, kind)
    raw.get(raw.path(raw.lists()[0]))
    assert fresh_server.requests.exchanges(kind) == []
    fresh_server.requests.keep_exchanges = True
    answer = raw.get(raw.path(raw.lists()[0]), {"x": "1"})
    kept = fresh_server.requests.exchanges(kind)[-1]
    assert (kept.status, kept.body, kept.query["x"]) == (200, answer.content, ["1"])
