"""The real connectors test and sync against the fakes and see exactly what the world holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import connectors
import sandbox
from connectors.errors import AuthFailed, BadResponse
from connectors.http import HttpPolicy
from connectors.records import Account, Asset, Quantity, Record
from sandbox.changes import add_devices
from tests.sandbox.truth import active_licences, billed_additions

KINDS = ("connectwise", "ninjaone", "pax8")
# the policy the brief gives the contract test; the fault tests below pace faster
POLICY = HttpPolicy(attempts=3, backoff_initial=0.01, max_wait=0.05, timeout=2)
QUICK = HttpPolicy(attempts=3, backoff_initial=0.01, max_wait=0.05, timeout=2, requests_per_second=0)
CATEGORY = {  # vendor-apis/ninjaone.md, "nodeClass → category"
    **dict.fromkeys(("WINDOWS_WORKSTATION", "LINUX_WORKSTATION", "MAC"), "workstation"),
    **dict.fromkeys(("WINDOWS_SERVER", "LINUX_SERVER", "MAC_SERVER", "HYPERV_VMM_HOST", "VMWARE_VM_HOST",
                     "VMWARE_VM_GUEST", "HYPERV_VMM_GUEST"), "server"),
    **dict.fromkeys(("ANDROID", "APPLE_IOS", "APPLE_IPADOS"), "mobile"),
}


@dataclass(frozen=True)
class Synced:
    server: sandbox.SandboxServer
    records: dict[str, list[Record]]


def connect(server: sandbox.SandboxServer, kind: str, policy: HttpPolicy = QUICK,
            **changes: str) -> connectors.Connector:
    return connectors.REGISTRY[kind](server.settings(kind) | changes, policy=policy)


def sync(server: sandbox.SandboxServer, kind: str, policy: HttpPolicy = QUICK) -> list[Record]:
    with connect(server, kind, policy) as connector:
        return list(connector.sync())


def totals(records: list[Record]) -> Counter[tuple[str, str]]:
    summed: Counter[tuple[str, str]] = Counter()
    for record in records:
        if isinstance(record, Quantity):
            summed[record.account_id, record.metric] += record.value
    return summed


def accounts(records: list[Record]) -> dict[str, str]:
    return {r.id: r.name for r in records if isinstance(r, Account)}


@pytest.fixture(scope="module")
def synced() -> Iterator[Synced]:
    with sandbox.start(clients=60, seed=7) as server:
        records = {}
        for kind in KINDS:
            with connect(server, kind, POLICY) as connector:
                connector.test()
                records[kind] = list(connector.sync())
        yield Synced(server, records)


@pytest.mark.parametrize("kind", KINDS)
def test_the_sandbox_offers_exactly_the_settings_a_connector_declares(server: sandbox.SandboxServer,
                                                                      kind: str) -> None:
    declared = {field.name for field in connectors.REGISTRY[kind].fields}
    assert set(server.settings(kind)) == declared
    assert server.settings(kind)["base_url"] == server.base_url(kind)


def test_ninjaone_reports_every_org_and_its_approved_devices_by_class(synced: Synced) -> None:
    world, records = synced.server.world, synced.records["ninjaone"]
    assert accounts(records) == {str(o.id): o.name for o in world.ninjaone.organizations}
    expected: Counter[tuple[str, str]] = Counter()
    for device in world.ninjaone.devices:
        if device.approved:
            kind = "network" if device.node_class.startswith("NMS_") else CATEGORY.get(device.node_class, "other")
            expected[str(device.organization_id), f"devices:{kind}"] += 1
    assert totals(records) == expected
    assets = {a.id: a for a in records if isinstance(a, Asset)}
    assert len(assets) == sum(1 for d in world.ninjaone.devices if d.approved)
    device = world.ninjaone.devices[0]
    if device.approved:
        assert assets[str(device.id)].last_seen == datetime.fromtimestamp(device.last_contact, UTC)


def test_connectwise_reports_live_companies_and_what_active_agreements_bill(synced: Synced) -> None:
    world, records = synced.server.world, synced.records["connectwise"]
    assert accounts(records) == {str(c.id): c.name for c in world.connectwise.companies if not c.deleted}
    expected = Counter({(company, f"billed:{product}"): Decimal(units)
                        for (company, product), units in billed_additions(world).items()})
    assert totals(records) == expected


def test_pax8_reports_live_companies_and_active_licences_by_sku(synced: Synced) -> None:
    world, records = synced.server.world, synced.records["pax8"]
    assert accounts(records) == {c.id: c.name for c in world.pax8.companies if c.status != "Deleted"}
    expected = Counter({(company, f"licenses:{sku}"): Decimal(units)
                        for (company, sku), units in active_licences(world).items()})
    assert totals(records) == expected


def test_connectors_only_ever_read(synced: Synced) -> None:
    methods = Counter((entry.method, entry.path.endswith("/token")) for entry in synced.server.requests)
    assert set(methods) <= {("GET", False), ("POST", True)}
    assert methods["GET", False] > 0


@pytest.mark.parametrize(("kind", "field"), [("connectwise", "private_key"), ("ninjaone", "client_secret"),
                                             ("pax8", "client_secret")])
def test_a_wrong_secret_is_refused_as_auth_failed(server: sandbox.SandboxServer, kind: str, field: str) -> None:
    with connect(server, kind, **{field: "not-the-secret"}) as connector, pytest.raises(AuthFailed) as refused:
        connector.test()
    assert "not-the-secret" not in str(refused.value)


@pytest.mark.parametrize("kind", KINDS)
def test_a_sync_rides_out_429s_and_a_500(fresh_server: sandbox.SandboxServer, kind: str) -> None:
    clean = totals(sync(fresh_server, kind))
    fresh_server.faults.inject(kind, "rate_limit", times=2)
    assert totals(sync(fresh_server, kind)) == clean
    fresh_server.faults.inject(kind, "server_error", times=1)
    assert totals(sync(fresh_server, kind)) == clean


def test_a_sync_rides_out_one_timeout(fresh_server: sandbox.SandboxServer) -> None:
    clean = totals(sync(fresh_server, "pax8"))
    fresh_server.faults.inject("pax8", "timeout", seconds=0.5)
    patient = HttpPolicy(attempts=3, backoff_initial=0.01, max_wait=0.05, timeout=0.2, requests_per_second=0)
    assert totals(sync(fresh_server, "pax8", patient)) == clean


def test_an_expired_token_is_refreshed_and_the_sync_completes(fresh_server: sandbox.SandboxServer) -> None:
    with connect(fresh_server, "ninjaone") as connector:
        connector.test()
        fresh_server.tokens["ninjaone"].advance(3601)  # the cached token is now past its hour
        records = list(connector.sync())
    assert fresh_server.tokens["ninjaone"].issued == 2
    assert totals(records)


@pytest.mark.parametrize(("fault", "error"), [("auth", AuthFailed), ("wrong_shape", BadResponse),
                                              ("bad_json", BadResponse)])
def test_lasting_faults_fail_the_sync_with_a_typed_error(fresh_server: sandbox.SandboxServer, fault: str,
                                                         error: type[Exception]) -> None:
    fresh_server.faults.inject("ninjaone", fault, times=-1)
    with pytest.raises(error):
        sync(fresh_server, "ninjaone")


def test_dropped_pages_make_a_sharp_drop_in_what_a_sync_sees(fresh_server: sandbox.SandboxServer) -> None:
    before = sum(totals(sync(fresh_server, "ninjaone")).values())
    fresh_server.faults.inject("ninjaone", "drop_pages", times=-1, path="/v2/devices")
    after = sum(totals(sync(fresh_server, "ninjaone")).values())
    assert 0 < after <= before / 4


def test_a_changed_world_shows_in_the_next_sync(fresh_server: sandbox.SandboxServer) -> None:
    world = fresh_server.world
    client = next(c for c in world.clients if c.ninjaone_org_ids)
    org = str(client.ninjaone_org_ids[0])
    before = totals(sync(fresh_server, "ninjaone"))
    fresh_server.replace_world(add_devices(world, client.name, 3))
    after = totals(sync(fresh_server, "ninjaone"))
    assert after[org, "devices:workstation"] == before[org, "devices:workstation"] + 3
    assert sum(after.values()) == sum(before.values()) + 3
