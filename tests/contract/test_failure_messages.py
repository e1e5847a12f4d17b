"""What a failure says: one line, the host and why it could not be reached, no vendor records,
and "the last good data is kept" only when there is some."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from connectors import REGISTRY
from connectors.errors import VendorUnavailable
from connectors.http import HttpPolicy, VendorClient
from reconcile.audit import Actor
from reconcile.tables import AccountRow
from tests.fakes import OUTAGE, Scripted, fleet

ADMIN = Actor("U_ADMIN", "cli")
POLICY = HttpPolicy(timeout=1.0, attempts=3, backoff_initial=0.01, backoff_max=0.02, requests_per_second=0)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_a_host_name_that_does_not_resolve_is_named_said_to_be_dns_and_not_retried():
    sleeps = Sleeps()
    client = VendorClient("Acme RMM", "https://api.no-such-vendor.invalid", policy=POLICY, sleep=sleeps)
    with pytest.raises(VendorUnavailable) as caught:
        client.json("/v1/devices")
    assert caught.value.message == ("Acme RMM: GET /v1/devices could not be reached at api.no-such-vendor.invalid: "
                                    "DNS failure, the host name does not resolve; check the API URL (not retried)")
    assert client.requests_sent == 1 and sleeps == []


def test_a_refused_connection_names_the_host_and_says_refused():
    client = VendorClient("Acme RMM", "http://127.0.0.1:9", policy=POLICY, sleep=Sleeps())
    with pytest.raises(VendorUnavailable) as caught:
        client.json("/v1/devices")
    assert caught.value.message == ("Acme RMM: GET /v1/devices could not be reached at 127.0.0.1:9: "
                                    "connection refused after 3 attempts; try again later")


def synced_names(services, name: str) -> set[str]:
    with services.context.sessions() as session:
        return set(session.scalars(select(AccountRow.name)))


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_a_vendor_sending_broken_json_gets_a_one_line_error_that_quotes_none_of_its_records(services,
                                                                                            sandbox_server, kind):
    services.integrations.connect("local", kind, kind, sandbox_server.settings(kind), ADMIN)
    assert services.syncs.run("local", kind, ADMIN).ok
    names = synced_names(services, kind)
    assert names  # the vendor's records, which the error must not paste
    sandbox_server.faults.inject(kind, "bad_json", times=-1)
    outcome = services.syncs.run("local", kind, ADMIN)
    message = outcome.message
    assert outcome.status == "failed" and "answered 200" in message
    assert f"is not {REGISTRY[kind].body_format.name}" in message  # JSON, or XML for an XML API
    assert "\n" not in message and len(message) < 300
    assert [n for n in names if n in message] == []
    assert message.endswith("— the last good data is kept")
    assert services.integrations.get("local", kind).last_error == message.removesuffix(" — the last good data is kept")


@pytest.fixture
def scripted(services):
    services.context.registry["scripted"] = Scripted
    services.integrations.connect("local", "scripted", "rmm", {"api_key": "k"}, ADMIN)
    return services


def test_only_a_sync_with_good_data_behind_it_says_the_good_data_is_kept(scripted):
    Scripted.script = [OUTAGE]
    first = scripted.syncs.run("local", "rmm", ADMIN)
    assert first.status == "failed" and first.message == OUTAGE.message  # nothing to keep yet
    Scripted.script = fleet({"acme": 3})
    assert scripted.syncs.run("local", "rmm", ADMIN).ok
    Scripted.script = [OUTAGE]
    assert scripted.syncs.run("local", "rmm", ADMIN).message == f"{OUTAGE.message} — the last good data is kept"


def test_a_first_connect_to_a_host_that_refuses_does_not_promise_previous_data(services):
    with pytest.raises(VendorUnavailable) as caught:
        services.integrations.connect("local", "ninjaone", "rmm", {"base_url": "http://127.0.0.1:9",
                                                                    "client_id": "a", "client_secret": "b"}, ADMIN)
    assert "could not be reached at 127.0.0.1:9: connection refused" in caught.value.message
    assert "data is kept" not in caught.value.message
