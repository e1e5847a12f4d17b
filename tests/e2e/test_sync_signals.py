"""A `billrec sync` stopped mid-sync (Ctrl-C, SIGTERM, SIGKILL) frees its integration at once and
leaves the last good data exactly as it was."""

from __future__ import annotations

import re
import signal
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from reconcile.tables import AccountRow, Integration, QuantityRow, SyncRun, SyncStatus
from tests.e2e.conftest import ENOUGH, connect, sync_stuck_at_the_vendor

pytestmark = pytest.mark.slow


def current_data(engine) -> dict[tuple[str, str], Decimal]:
    with engine.connect() as connection:
        run = connection.scalar(select(Integration.current_run_id).where(Integration.name == "pax8"))
        rows = connection.execute(select(QuantityRow.account_id, QuantityRow.metric, QuantityRow.value)
                                  .where(QuantityRow.sync_run_id == run))
        return {(account, metric): Decimal(value) for account, metric, value in rows}


def runs(engine) -> list[SyncRun]:
    with engine.connect() as connection:
        return list(connection.execute(select(SyncRun).order_by(SyncRun.id)))


def staged_by(engine, run_id: int) -> int:
    with engine.connect() as connection:
        return sum(connection.scalar(select(func.count()).select_from(table).where(table.sync_run_id == run_id))
                   for table in (AccountRow, QuantityRow))


@pytest.mark.parametrize(("stop", "exit_code", "why"), [
    (signal.SIGINT, 1, "interrupted (Ctrl-C)"),
    (signal.SIGTERM, 128 + signal.SIGTERM, "interrupted (SIGTERM)"),
    (signal.SIGKILL, -signal.SIGKILL, None),
])
def test_a_sync_stopped_mid_sync_frees_the_integration_and_keeps_the_last_good_data(
        billrec, world, cli_env, database, stop, exit_code, why):
    connect(billrec, world, "pax8")
    billrec("sync", "pax8")
    good = current_data(database.engine)
    process = sync_stuck_at_the_vendor(world, cli_env)

    busy = billrec("sync", "pax8", ok=False)  # meanwhile, a second sync is refused in words
    assert busy.exit_code == 1
    assert re.search(rf"^billrec: a sync of pax8 is already running \(started \d\d:\d\d UTC by \S+@cli, "
                     rf"pid {process.pid} on ", busy.stderr), busy.stderr

    process.send_signal(stop)
    _, stderr = process.communicate(timeout=ENOUGH)
    assert process.returncode == exit_code, stderr
    assert "Traceback" not in stderr
    stopped = runs(database.engine)[-1]
    if why:  # it said so itself on the way out, and cleared what it had staged
        assert (stopped.status, stopped.error) == (SyncStatus.INTERRUPTED, why)
    else:  # SIGKILL: nothing can run; the next sync on this host sees the process is gone
        assert stopped.status == SyncStatus.RUNNING
    assert current_data(database.engine) == good

    world.faults.clear()
    assert "pax8: synced" in billrec("sync", "pax8").stdout  # at once, not 10 minutes later
    taken_over = next(r for r in runs(database.engine) if r.id == stopped.id)
    assert taken_over.status == SyncStatus.INTERRUPTED
    if not why:
        assert taken_over.error == (f"interrupted: the process stopped mid-sync "
                                    f"(pid {process.pid} on {taken_over.host} is gone)")
    assert staged_by(database.engine, stopped.id) == 0
    assert current_data(database.engine).keys() == good.keys()
