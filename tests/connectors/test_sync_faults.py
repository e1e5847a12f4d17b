"""Every sandbox fault, through a real sync: it fails cleanly or succeeds after retries, and the
last good data always survives."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from connectors import REGISTRY
from reconcile.audit import Actor
from reconcile.tables import Integration, QuantityRow
from tests.conftest import FAST_POLICY
from tests.connectors.conftest import inject

ADMIN = Actor("U_ADMIN", "cli")
KINDS = sorted(REGISTRY)


@pytest.fixture
def synced(services, sandbox_server, kind):
    """The vendor under test connected and synced once: the 'last good data'."""
    services.integrations.connect("local", kind, kind, sandbox_server.settings(kind), ADMIN)
    assert services.syncs.run("local", kind, ADMIN).ok
    return services


def current(services, kind) -> dict[tuple[str, str], Decimal]:
    with services.context.sessions() as session:
        run = session.scalar(select(Integration.current_run_id).where(Integration.name == kind))
        rows = session.execute(select(QuantityRow.account_id, QuantityRow.metric, QuantityRow.value)
                               .where(QuantityRow.sync_run_id == run))
        totals: dict[tuple[str, str], Decimal] = {}
        for account, metric, value in rows:
            totals[account, metric] = totals.get((account, metric), Decimal(0)) + Decimal(value)
        return totals


@pytest.mark.parametrize(("fault", "expected"), [
    ("rate_limit", "kept rate-limiting after 3 attempts"),
    ("server_error", "kept failing after 3 attempts"),
    ("bad_json", "is not JSON"),
    ("wrong_shape", "answered 200"),
    ("auth", "refused the credentials"),
])
@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_vendor_keeps_the_last_good_data(synced, sandbox_server, kind, fault, expected):
    before = current(synced, kind)
    inject(sandbox_server, kind, fault, times=-1)
    outcome = synced.syncs.run("local", kind, ADMIN)
    assert outcome.status == "failed" and expected in outcome.message
    assert current(synced, kind) == before
    info = synced.integrations.get("local", kind)
    assert info.health == "failing" and expected in info.last_error
    stale = [s for s in synced.reconciler.run("local").sources if s.name == kind]
    assert stale == [] or stale[0].stale  # a source whose last sync failed is not trusted


@pytest.mark.parametrize("fault", ["rate_limit", "server_error"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_passing_fault_is_retried_and_the_sync_succeeds(synced, sandbox_server, kind, fault):
    before = current(synced, kind)
    inject(sandbox_server, kind, fault, times=2)
    assert synced.syncs.run("local", kind, ADMIN).ok
    assert current(synced, kind) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_slow_vendor_times_out_and_is_retried(synced, sandbox_server, kind):
    synced.context.config = replace(synced.context.config, http_policy=replace(FAST_POLICY, timeout=0.3))
    sandbox_server.faults.inject(kind, "timeout", times=1, seconds=0.6)
    assert synced.syncs.run("local", kind, ADMIN).ok


@pytest.mark.parametrize("kind", KINDS)
def test_dropped_pages_are_held_not_applied(synced, sandbox_server, kind):
    before = current(synced, kind)
    sandbox_server.faults.inject(kind, "drop_pages", times=-1)
    outcome = synced.syncs.run("local", kind, ADMIN)
    assert outcome.status == "held" and outcome.drops
    assert current(synced, kind) == before
    sandbox_server.faults.clear()
    assert synced.syncs.discard("local", kind, ADMIN).status == "discarded"
    assert current(synced, kind) == before


@pytest.mark.parametrize("kind", ["ninjaone"])
def test_a_client_adding_devices_shows_up_after_the_next_sync(synced, sandbox_server, kind):
    import sandbox
    world = sandbox_server.world
    client = next(c for c in world.clients if c.ninjaone_org_ids)
    org = client.ninjaone_org_ids[0]
    before = current(synced, "ninjaone").get((str(org), "devices:workstation"), Decimal(0))
    sandbox_server.replace_world(sandbox.add_devices(world, client.name, 3))
    assert synced.syncs.run("local", "ninjaone", ADMIN).ok
    assert current(synced, "ninjaone")[str(org), "devices:workstation"] == before + 3
    sandbox_server.replace_world(world)
