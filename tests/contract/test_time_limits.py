"""Every vendor request has a time limit: the OAuth token, a plain GET, the connection test, a sync.

Each test points a connector at a loopback server that accepts the connection and then never
finishes answering, and asserts the call comes back (within a bound far beyond the small policy)
with a message naming the vendor and saying it timed out.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from connectors.connectwise import ConnectWise
from connectors.errors import VendorUnavailable
from connectors.http import HttpPolicy
from connectors.ninjaone import NinjaOne
from reconcile.audit import Actor
from tests.stalling import StallingServer, returned

ADMIN = Actor("U_ADMIN", "cli")
QUICK = HttpPolicy(timeout=0.2, connect_timeout=0.5, total_timeout=0.6, attempts=2, backoff_initial=0.01,
                   backoff_max=0.02, requests_per_second=0)
TOKEN = {"access_token": "a-token", "expires_in": 3600}


def ninjaone(url: str) -> dict[str, str]:
    return {"base_url": url, "client_id": "a-client", "client_secret": "a-client-secret"}


def connectwise(url: str) -> dict[str, str]:
    return {"base_url": url, "company_id": "acme", "public_key": "pub", "private_key": "a-private-key",
            "client_id": "a-client"}


def timed_out(outcome: object, vendor: str, request: str) -> str:
    assert isinstance(outcome, VendorUnavailable), outcome
    message = outcome.message
    assert message.startswith(f"{vendor}: {request}") and "timed out" in message, message
    return message


def test_an_oauth_token_request_that_is_never_answered_times_out():
    with StallingServer() as server:
        came_back, outcome = returned(lambda: NinjaOne(ninjaone(server.url), policy=QUICK).test())
    assert came_back
    timed_out(outcome, "NinjaOne", "POST /ws/oauth/token")
    assert server.stalled == ["POST /ws/oauth/token"] * QUICK.attempts


def test_a_vendor_that_grants_the_token_then_stalls_times_out():
    with StallingServer(answers={"/ws/oauth/token": TOKEN}) as server:
        came_back, outcome = returned(lambda: NinjaOne(ninjaone(server.url), policy=QUICK).test())
    assert came_back
    timed_out(outcome, "NinjaOne", "GET /v2/organizations")


def test_a_plain_get_that_is_never_answered_times_out():
    with StallingServer() as server:
        came_back, outcome = returned(lambda: ConnectWise(connectwise(server.url), policy=QUICK).test())
    assert came_back
    timed_out(outcome, "ConnectWise PSA", "GET /system/info")


@pytest.mark.parametrize("connector, settings, request_line", [
    (NinjaOne, ninjaone, "POST /ws/oauth/token"),
    (ConnectWise, connectwise, "GET /system/info"),
], ids=["oauth-token", "plain-get"])
def test_a_vendor_trickling_bytes_inside_every_read_timeout_is_cut_off_by_the_total_limit(connector, settings,
                                                                                          request_line):
    with StallingServer(trickle=True) as server:
        came_back, outcome = returned(lambda: connector(settings(server.url), policy=QUICK).test())
    assert came_back
    timed_out(outcome, connector.display_name, request_line)


@pytest.fixture
def quick(services):
    services.context.config = replace(services.context.config, http_policy=QUICK)
    return services


def test_the_connection_test_of_a_vendor_that_never_answers_times_out_and_stores_nothing(quick):
    with StallingServer() as server:
        came_back, outcome = returned(lambda: quick.integrations.connect("local", "ninjaone", "rmm",
                                                                          ninjaone(server.url), ADMIN))
    assert came_back
    timed_out(outcome, "NinjaOne", "POST /ws/oauth/token")
    assert quick.integrations.list("local") == []


def test_a_sync_against_a_vendor_that_stops_answering_fails_in_time(quick):
    with StallingServer(answers={"/ws/oauth/token": TOKEN, "/v2/organizations": []}) as server:
        quick.integrations.connect("local", "ninjaone", "rmm", ninjaone(server.url), ADMIN)
        del server.answers["/v2/organizations"]
        came_back, outcome = returned(lambda: quick.syncs.run("local", "rmm", ADMIN))
    assert came_back
    assert outcome.status == "failed"
    assert outcome.message.startswith("NinjaOne: GET /v2/organizations") and "timed out" in outcome.message
    assert quick.integrations.get("local", "rmm").health == "failing"
