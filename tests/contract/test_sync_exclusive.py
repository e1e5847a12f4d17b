"""One sync per integration at a time, claimed atomically: two syncs started together never both run,
whichever connector it is."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

import connectors

from reconcile.audit import Actor
from reconcile.errors import Conflict
from reconcile.tables import AccountRow, Integration, Link, SyncRun

ADMIN = Actor("U_ADMIN", "cli")
ROUNDS = 8


def two_syncs_at_once(services, kind: str) -> list[object]:
    """Start two syncs of `kind` at the same instant; what each one got (an outcome or an exception)."""
    start = threading.Barrier(2)
    got: list[object] = []

    def sync() -> None:
        start.wait()
        try:
            got.append(services.syncs.run("local", kind, ADMIN))
        except Exception as error:  # the loser's refusal, or whatever else escaped: the test looks at it
            got.append(error)

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got


@pytest.mark.parametrize("kind", sorted(connectors.REGISTRY))
def test_two_syncs_started_together_run_one_and_refuse_the_other_in_words(services, sandbox_server, kind):
    services.integrations.connect("local", kind, kind, sandbox_server.settings(kind), ADMIN)
    synced = set()
    for _ in range(ROUNDS):
        got = two_syncs_at_once(services, kind)
        ran = [g for g in got if getattr(g, "ok", False)]
        refused = [g for g in got if isinstance(g, Conflict)]
        assert (len(ran), len(refused)) == (1, 1), got
        assert refused[0].message.startswith(f"a sync of {kind} is already running (started ")
        assert " by U_ADMIN" in refused[0].message
        synced.add(ran[0].accounts)
    with services.context.sessions() as session:
        integration = session.scalar(select(Integration).where(Integration.name == kind))
        accounts = session.scalar(select(func.count()).select_from(AccountRow)
                                  .where(AccountRow.sync_run_id == integration.current_run_id))
        links = session.scalar(select(func.count()).select_from(Link).where(Link.integration_id == integration.id))
        runs = session.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.integration_id == integration.id))
    assert len(synced) == 1 and accounts == synced.pop() > 0 and links == accounts
    assert runs == ROUNDS  # a refused sync leaves no run behind
    assert services.integrations.get("local", kind).health == "ok"
