"""One sync per integration at a time, claimed atomically: two syncs started together never both run."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from reconcile.audit import Actor
from reconcile.errors import Conflict
from reconcile.tables import AccountRow, Integration, Link, SyncRun

ADMIN = Actor("U_ADMIN", "cli")
ROUNDS = 8


def two_syncs_at_once(services) -> list[object]:
    """Start two syncs of pax8 at the same instant; what each one got (an outcome or an exception)."""
    start = threading.Barrier(2)
    got: list[object] = []

    def sync() -> None:
        start.wait()
        try:
            got.append(services.syncs.run("local", "pax8", ADMIN))
        except Exception as error:  # the loser's refusal, or whatever else escaped: the test looks at it
            got.append(error)

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got


def test_two_syncs_started_together_run_one_and_refuse_the_other_in_words(services, sandbox_server):
    services.integrations.connect("local", "pax8", "pax8", sandbox_server.settings("pax8"), ADMIN)
    synced = set()
    for _ in range(ROUNDS):
        got = two_syncs_at_once(services)
        ran = [g for g in got if getattr(g, "ok", False)]
        refused = [g for g in got if isinstance(g, Conflict)]
        assert (len(ran), len(refused)) == (1, 1), got
        assert refused[0].message.startswith("a sync of pax8 is already running (started ")
        assert " by U_ADMIN" in refused[0].message
        synced.add(ran[0].accounts)
    with services.context.sessions() as session:
        integration = session.scalar(select(Integration).where(Integration.name == "pax8"))
        accounts = session.scalar(select(func.count()).select_from(AccountRow)
                                  .where(AccountRow.sync_run_id == integration.current_run_id))
        links = session.scalar(select(func.count()).select_from(Link).where(Link.integration_id == integration.id))
        runs = session.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.integration_id == integration.id))
    assert len(synced) == 1 and accounts == synced.pop() > 0 and links == accounts
    assert runs == ROUNDS  # a refused sync leaves no run behind
    assert services.integrations.get("local", "pax8").health == "ok"
