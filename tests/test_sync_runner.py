"""The sync runner: all or nothing, sharp drops held for a person, the last good data always kept."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from connectors.errors import BadResponse
from connectors.records import Account, Quantity
from reconcile import liveness
from reconcile.audit import Actor
from reconcile.errors import Conflict, NotFound
from reconcile.tables import AssetRow, AuditEntry, QuantityRow, SyncRun, SyncStatus
from tests.fakes import OUTAGE, Scripted, ScriptedBilling, fleet

ADMIN = Actor("U_ADMIN", "cli")


@pytest.fixture
def rmm(services):
    services.context.registry.update({"scripted": Scripted, "scripted_psa": ScriptedBilling})
    Scripted.script = fleet({"1": 10, "2": 5})
    services.integrations.connect("local", "scripted", "rmm", {"api_key": "k-123456"}, ADMIN)
    yield services
    Scripted.script = []


def live_counts(services) -> dict[str, Decimal]:
    info = services.integrations.get("local", "rmm")
    with services.context.sessions() as session:
        from reconcile.tables import Integration
        run = session.get(Integration, info.id).current_run_id
        rows = session.execute(select(QuantityRow.account_id, QuantityRow.value).where(QuantityRow.sync_run_id == run))
        return {account: Decimal(value) for account, value in rows}


def staged_rows(services) -> int:
    with services.context.sessions() as session:
        return session.scalar(select(func.count()).select_from(AssetRow))


def test_a_good_sync_becomes_the_current_data(rmm):
    outcome = rmm.syncs.run("local", "rmm", ADMIN)
    assert (outcome.status, outcome.accounts, outcome.quantities, outcome.assets) == ("succeeded", 2, 2, 15)
    assert live_counts(rmm) == {"1": 10, "2": 5}
    assert rmm.integrations.get("local", "rmm").health == "ok"


def test_a_vendor_failure_mid_sync_keeps_the_last_good_data_and_records_the_error(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 11})[:5] + [OUTAGE]
    outcome = rmm.syncs.run("local", "rmm", ADMIN)
    assert outcome.status == "failed"
    assert "answered 503" in outcome.message and "last good data is kept" in outcome.message
    assert live_counts(rmm) == {"1": 10, "2": 5}
    assert staged_rows(rmm) == 15  # the failed run's rows are gone
    info = rmm.integrations.get("local", "rmm")
    assert (info.health, info.last_error.startswith("Scripted RMM: GET /devices answered 503")) == ("failing", True)


def test_a_record_outside_the_catalog_fails_the_sync_cleanly(rmm):
    Scripted.script = [Quantity(account_id="1", metric="licenses:anything", value=Decimal(3))]
    outcome = rmm.syncs.run("local", "rmm", ADMIN)
    assert outcome.status == "failed" and "not in its catalog" in outcome.message


def test_an_unexpected_crash_mid_sync_is_recorded_and_keeps_the_last_good_data(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 3}) + [RuntimeError("bug in a connector")]
    with pytest.raises(RuntimeError):
        rmm.syncs.run("local", "rmm", ADMIN)
    assert live_counts(rmm) == {"1": 10, "2": 5}
    assert "internal error (RuntimeError)" in rmm.integrations.get("local", "rmm").last_error


def test_a_sharp_drop_is_held_until_someone_confirms_it(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 2})
    held = rmm.syncs.run("local", "rmm", ADMIN)
    assert held.status == "held"
    assert "all quantities 15 → 2 (devices:workstation 15 → 2)" in held.message
    assert live_counts(rmm) == {"1": 10, "2": 5}  # nothing replaced
    assert rmm.integrations.get("local", "rmm").health == "needs confirmation"
    confirmed = rmm.syncs.confirm("local", "rmm", ADMIN)
    assert confirmed.ok and live_counts(rmm) == {"1": 2}
    with rmm.context.sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["sync.held", "sync.confirm"]


def with_storage(records: list[object], stored: dict[str, int]) -> list[object]:
    return records + [Quantity(account_id=org, metric="storage:bytes", value=Decimal(n)) for org, n in stored.items()]


def test_storage_in_bytes_does_not_hide_half_the_devices_vanishing(rmm):
    """A terabyte is 10^12 of its unit: summed with device counts it would swamp them."""
    Scripted.script = with_storage(fleet({"1": 10, "2": 5}), {"1": 2 * 10**12})
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = with_storage(fleet({"1": 2, "2": 1}), {"1": 2 * 10**12})
    held = rmm.syncs.run("local", "rmm", ADMIN)
    assert held.status == "held" and "all quantities 15 → 3" in held.message
    assert "storage" not in held.message


def test_storage_falling_by_half_is_held_even_when_the_devices_stay(rmm):
    Scripted.script = with_storage(fleet({"1": 10, "2": 5}), {"1": 4 * 10**12})
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = with_storage(fleet({"1": 10, "2": 5}), {"1": 10**12})
    held = rmm.syncs.run("local", "rmm", ADMIN)
    assert held.status == "held" and "all storage 4000000000000 → 1000000000000" in held.message


def test_a_discarded_hold_leaves_the_previous_data(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 1})
    rmm.syncs.run("local", "rmm", ADMIN)
    discarded = rmm.syncs.discard("local", "rmm", ADMIN)
    assert discarded.status == "discarded"
    assert live_counts(rmm) == {"1": 10, "2": 5}
    assert staged_rows(rmm) == 15
    with pytest.raises(NotFound, match="no sync waiting for confirmation"):
        rmm.syncs.confirm("local", "rmm", ADMIN)


def test_a_drop_of_less_than_half_is_applied(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 6, "2": 3})
    assert rmm.syncs.run("local", "rmm", ADMIN).ok
    assert live_counts(rmm) == {"1": 6, "2": 3}


def test_a_run_that_beat_recently_is_still_alive(rmm, clock):
    with rmm.context.sessions.begin() as session:
        info = rmm.integrations.get("local", "rmm")
        session.add(SyncRun(tenant_id="local", integration_id=info.id, status="running",
                            started_at=clock() - timedelta(hours=1), heartbeat_at=clock() - timedelta(minutes=2)))
    with pytest.raises(Conflict, match="already running"):
        rmm.syncs.run("local", "rmm", ADMIN)


def test_a_second_sync_while_one_is_running_is_refused(rmm):
    with rmm.context.sessions.begin() as session:
        info = rmm.integrations.get("local", "rmm")
        session.add(SyncRun(tenant_id="local", integration_id=info.id, status="running", started_at=rmm.context.clock()))
    with pytest.raises(Conflict, match="already running"):
        rmm.syncs.run("local", "rmm", ADMIN)


def test_a_run_left_running_by_a_dead_process_is_cleared_on_the_next_sync(rmm, clock):
    with rmm.context.sessions.begin() as session:
        info = rmm.integrations.get("local", "rmm")
        dead = SyncRun(tenant_id="local", integration_id=info.id, status="running", started_at=clock())
        session.add(dead)
        session.flush()
        session.add(AssetRow(tenant_id="local", integration_id=info.id, sync_run_id=dead.id, account_id="1",
                             metric="devices:workstation", external_id="x", name="orphan"))
    clock.advance(minutes=11)  # silent for longer than a live sync ever is
    assert rmm.syncs.run("local", "rmm", ADMIN).ok
    with rmm.context.sessions() as session:
        assert session.get(SyncRun, dead.id).error == "interrupted: the process stopped mid-sync"
    assert staged_rows(rmm) == 15


def a_pid_that_is_gone() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


def recorded_by(whom: str) -> dict[str, object]:
    """Where a running run says its process is, for each case of the takeover rule."""
    me, gone = liveness.this_process(), a_pid_that_is_gone()
    namespace, started = me.mark.rsplit(" ", 1)
    return {
        "this process": {"host": me.host, "pid": me.pid, "process_mark": me.mark},
        "this pid, reused by a later process": {"host": me.host, "pid": me.pid,
                                                "process_mark": f"{namespace} {float(started) - 3600}"},
        "a process gone from this host": {"host": me.host, "pid": gone, "process_mark": me.mark},
        "another host": {"host": "elsewhere.example", "pid": gone, "process_mark": me.mark},
        "another pid namespace on this host": {"host": me.host, "pid": gone,
                                               "process_mark": f"pid:[1] {started}"},
    }[whom]


@pytest.mark.parametrize(("whom", "taken_over"), [
    ("this process", False),
    ("this pid, reused by a later process", True),
    ("a process gone from this host", True),
    ("another host", False),  # across hosts only the heartbeat tells
    ("another pid namespace on this host", False),  # a container sharing the hostname: its pids are not ours
])
def test_a_run_whose_process_is_gone_from_this_host_is_taken_over_at_once(rmm, clock, whom, taken_over):
    with rmm.context.sessions.begin() as session:
        info = rmm.integrations.get("local", "rmm")
        old = SyncRun(tenant_id="local", integration_id=info.id, status=SyncStatus.RUNNING, started_at=clock(),
                      heartbeat_at=clock(), started_by="U_OTHER", **recorded_by(whom))
        session.add(old)
    if not taken_over:
        with pytest.raises(Conflict, match=r"already running \(started \d\d:\d\d UTC by U_OTHER, pid \d+ on "):
            rmm.syncs.run("local", "rmm", ADMIN)
        return
    assert rmm.syncs.run("local", "rmm", ADMIN).ok
    with rmm.context.sessions() as session:
        run = session.get(SyncRun, old.id)
    assert run.status == SyncStatus.INTERRUPTED
    assert run.error == f"interrupted: the process stopped mid-sync (pid {run.pid} on {run.host} is gone)"


def test_an_integration_of_a_kind_billrec_does_not_know_is_refused_before_a_run_exists(rmm):
    del rmm.context.registry["scripted"]  # connected by a newer billrec, say, then downgraded
    with pytest.raises(Conflict, match="rmm is a 'scripted' integration, a kind this version of billrec does not know"):
        rmm.syncs.run("local", "rmm", ADMIN)
    with rmm.context.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 0
    rmm.context.registry["scripted"] = Scripted
    assert rmm.syncs.run("local", "rmm", ADMIN).ok  # nothing was left running to wait for


def test_a_disconnected_integration_does_not_sync_but_keeps_its_data(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    rmm.integrations.disconnect("local", "rmm", ADMIN)
    with pytest.raises(Conflict, match="disconnected"):
        rmm.syncs.run("local", "rmm", ADMIN)
    assert live_counts(rmm) == {"1": 10, "2": 5}


def test_bad_response_messages_reach_the_user_verbatim(rmm):
    Scripted.script = [BadResponse("Scripted RMM: GET /devices answered 200: is not JSON")]
    assert rmm.syncs.run("local", "rmm", ADMIN).message.startswith("Scripted RMM: GET /devices answered 200: is not JSON")


def test_the_psa_founds_the_clients_and_other_sources_get_suggestions(rmm):
    ScriptedBilling.script = fleet({"250": 1}, metric="billed:MW-01")[:1]
    rmm.integrations.connect("local", "scripted_psa", "psa", {"api_key": "k-123456"}, ADMIN)
    rmm.syncs.run("local", "psa", ADMIN)
    Scripted.script = fleet({"1": 3})
    rmm.syncs.run("local", "rmm", ADMIN)
    assert [name for _, name in rmm.links.clients("local")] == ["Org 250"]
    assert [(l.account_name, l.status) for l in rmm.links.list("local", "suggested")] == [("Org 1", "suggested")]


def rows_of(services, run_id: int) -> int:
    with services.context.sessions() as session:
        return session.scalar(select(func.count()).select_from(AssetRow).where(AssetRow.sync_run_id == run_id))


def test_the_previous_runs_rows_outlive_the_swap_until_the_next_sync_begins(rmm):
    first = rmm.syncs.run("local", "rmm", ADMIN)
    second = rmm.syncs.run("local", "rmm", ADMIN)
    assert (rows_of(rmm, first.run_id), rows_of(rmm, second.run_id)) == (15, 15)
    rmm.syncs.run("local", "rmm", ADMIN)
    assert rows_of(rmm, first.run_id) == 0


def test_a_report_read_while_a_sync_swaps_in_new_data_sees_one_whole_run(rmm, monkeypatch):
    from reconcile import reconciliation
    from reconcile.check_catalog import SideSpec
    from tests.fakes import ScriptedBilling

    ScriptedBilling.script = [Account(id="250", name="Org 1"),
                              Quantity(account_id="250", metric="billed:MW-01", value=Decimal(10), unit_price=Decimal(45))]
    rmm.integrations.connect("local", "scripted_psa", "psa", {"api_key": "k-123456"}, ADMIN)
    rmm.syncs.run("local", "psa", ADMIN)
    rmm.syncs.run("local", "rmm", ADMIN)
    rmm.links.suggest("local", ADMIN, approve_above=0.95)
    rmm.checks.add("local", "Workstations", SideSpec("psa", ["billed:MW-01"]), SideSpec("rmm", ["devices:workstation"]),
                   ADMIN)
    load_sources = reconciliation.load_sources

    def sources_then_a_sync_lands(*args, **kwargs):
        found = load_sources(*args, **kwargs)
        Scripted.script = fleet({"1": 10, "2": 5})
        assert rmm.syncs.run("local", "rmm", ADMIN).ok  # another process swaps while we read
        return found

    monkeypatch.setattr(reconciliation, "load_sources", sources_then_a_sync_lands)
    results = {r.client: (r.billed, r.actual, r.status.value) for r in rmm.reconciler.run("local").results}
    assert results == {"Org 1": (10, 10, "matched"), "Org 2": (0, 5, "unmapped")}


def test_a_newer_good_sync_retires_an_older_hold(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 2})
    held = rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 12, "2": 6})
    assert rmm.syncs.run("local", "rmm", ADMIN).ok
    assert rmm.integrations.get("local", "rmm").health == "ok"
    with pytest.raises(NotFound, match="no sync waiting for confirmation"):
        rmm.syncs.confirm("local", "rmm", ADMIN, run_id=held.run_id)
    assert live_counts(rmm) == {"1": 12, "2": 6}


def test_confirming_a_hold_that_a_newer_hold_replaced_is_refused(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 2})
    old = rmm.syncs.run("local", "rmm", ADMIN)
    Scripted.script = fleet({"1": 3})
    new = rmm.syncs.run("local", "rmm", ADMIN)
    with pytest.raises(NotFound, match="replaced by a newer one"):
        rmm.syncs.confirm("local", "rmm", ADMIN, run_id=old.run_id)
    assert rmm.syncs.confirm("local", "rmm", ADMIN, run_id=new.run_id).ok
    assert live_counts(rmm) == {"1": 3}


def test_a_run_declared_dead_that_wakes_up_stops_without_touching_anything(rmm):
    rmm.syncs.run("local", "rmm", ADMIN)

    def taken_over():
        with rmm.context.sessions.begin() as session:  # what another process's sync does to a silent run
            run = session.scalars(select(SyncRun).where(SyncRun.status == "running")).one()
            run.status, run.error = "failed", "interrupted: the process stopped mid-sync"

    Scripted.script = [taken_over, *fleet({"1": 99})]
    outcome = rmm.syncs.run("local", "rmm", ADMIN)
    assert outcome.status == "failed" and "declared dead" in outcome.message
    assert live_counts(rmm) == {"1": 10, "2": 5}
    assert rmm.integrations.get("local", "rmm").last_error is None


def test_sync_all_carries_on_past_an_integration_that_crashes(rmm):
    Scripted.script = [RuntimeError("bug in one connector")]
    ScriptedBilling.script = [Account(id="250", name="Org 250")]
    rmm.integrations.connect("local", "scripted_psa", "psa", {"api_key": "k-123456"}, ADMIN)
    outcomes = {o.integration: o for o in rmm.syncs.run_all("local", ADMIN)}
    assert outcomes["psa"].ok
    assert outcomes["rmm"].status == "failed" and "internal error (RuntimeError)" in outcomes["rmm"].message
