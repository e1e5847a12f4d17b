"""The monthly digest's steps that are not Slack: its syncs, its snapshot, what it is compared with.

    month = Digest(services, journal)           # journal: the tenant's period (`DigestJournal`)
    syncs = month.syncs()                       # every connected integration synced, once per period
    snapshot = month.snapshot()                 # taken once (trigger "monthly", "manual" by hand); a rerun reuses it
    previous = month.previous(snapshot)         # last month's digest, else the latest earlier snapshot
    month.changes(previous, results)            # what changed since then (`reconcile.changes`)
    month.months(snapshot)                      # money per month for the chart, this one last

The choices are pure functions: `not_fresh` (which sources the header warns about),
`compared_period`, `earlier_snapshot` and `chart_months`.

Each step's answer is recorded in the journal before the next step starts, so a rerun after a
crash says the same: the syncs' outcomes, the snapshot's id, the previous snapshot's id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reconcile.audit import Actor
from reconcile.bootstrap import Services
from reconcile.changes import Changes, changes
from reconcile.checks import CheckResult, Source
from reconcile.errors import NotFound
from reconcile.schedule import ACTOR, plan
from reconcile.schedule.journal import DigestJournal
from reconcile.snapshots import SnapshotInfo
from reconcile.tables import SyncStatus

log = logging.getLogger(__name__)

CHART_MONTHS = 12
MonthMoney = tuple[str, Decimal, Decimal]  # period, under-billed per month, over-billed per month
# A sync that succeeded, or that another run was doing meanwhile, leaves its source's data fresh
# ("busy" is how journals written before `SyncStatus.RUNNING` outcomes recorded the latter).
FRESH_OUTCOMES = (SyncStatus.SUCCEEDED, SyncStatus.RUNNING, "busy")


@dataclass(frozen=True)
class SyncNote:
    """How one integration's sync before the digest went, as the journal keeps it."""

    integration: str
    status: str
    message: str


class Digest:
    """One tenant's digest of one period, its steps recorded in `journal`."""

    def __init__(self, services: Services, journal: DigestJournal, actor: Actor = ACTOR) -> None:
        self.services, self.journal = services, journal
        self.tenant_id, self.period = journal.tenant_id, journal.period
        # a digest run by hand (`billrec digest`) records its person and "manual", as a snapshot taken by hand does
        self.actor, self.trigger = actor, ("monthly" if actor == ACTOR else "manual")

    def syncs(self) -> list[SyncNote]:
        """Sync every connected integration (once: a rerun reads the outcomes back)."""
        recorded = self.journal.value("syncs")
        if recorded is None:
            outcomes = self.services.syncs.run_all(self.tenant_id, self.actor, trigger=self.trigger)
            recorded = json.dumps([{"integration": o.integration, "status": o.status, "message": o.message}
                                   for o in outcomes])
            self.journal.record("syncs", recorded)
        return [SyncNote(o["integration"], o["status"], o["message"]) for o in json.loads(recorded)]

    def snapshot(self) -> SnapshotInfo:
        """The period's snapshot, taken on the first run."""
        snapshot_id = self.journal.value("snapshot")
        if snapshot_id is None:
            snapshot_id = str(self.services.snapshots.take(self.tenant_id, self.actor, trigger=self.trigger,
                                                           period=self.period).id)
            self.journal.record("snapshot", snapshot_id)
        return self._info(int(snapshot_id))

    def previous(self, current: SnapshotInfo) -> SnapshotInfo | None:
        """What this digest compares with: last month's digest snapshot, else the newest of an earlier
        month (monthly ones first). Chosen on the first run."""
        previous_id = self.journal.value("previous")
        if previous_id is None:
            previous_id = str(self._earlier(current.id) or "")
            self.journal.record("previous", previous_id)
        return self._info(int(previous_id)) if previous_id else None

    def changes(self, previous: SnapshotInfo | None, results: Sequence[CheckResult]) -> Changes | None:
        if previous is None:
            return None
        return changes(self.services.snapshots.results(self.tenant_id, previous.id), results)

    def months(self, current: SnapshotInfo) -> list[MonthMoney]:
        return chart_months(self.period, self.services.snapshots.list(self.tenant_id), current)

    def _earlier(self, current_id: int) -> int | None:
        journal = self.journal
        last = DigestJournal(journal.sessions, self.tenant_id, plan.previous_period(self.period),
                             journal.clock).value("snapshot")
        if last:
            return int(last)
        found = earlier_snapshot(self.services.snapshots.list(self.tenant_id), self.period, current_id)
        return found.id if found else None

    def _info(self, snapshot_id: int) -> SnapshotInfo:
        for info in self.services.snapshots.list(self.tenant_id):
            if info.id == snapshot_id:
                return info
        raise NotFound(f"no snapshot #{snapshot_id}")


def not_fresh(sources: Sequence[Source], syncs: Sequence[SyncNote]) -> list[str]:
    """One line per source that is stale, or whose sync before the digest did not succeed.

    A source whose sync failed while its last good data is still fresh is not named: it is still
    reported from, and the summary's warning line above the cards says when and how it failed.
    """
    lines = [f"{s.name}: {s.reason or 'stale'}" for s in sources if s.stale]
    named = {s.name for s in sources if s.stale or s.failure_notice()}
    lines += [f"{o.integration}: sync {o.status} ({o.message})" for o in syncs
              if o.status not in FRESH_OUTCOMES and o.integration not in named]
    return lines


def compared_period(period: str, previous: SnapshotInfo | None) -> str | None:
    """The month named in "since …": the previous snapshot's, or last month when it was filed later."""
    if previous is None:
        return None
    return plan.previous_period(period) if previous.period >= period else previous.period


def earlier_snapshot(snapshots: Sequence[SnapshotInfo], period: str, current_id: int) -> SnapshotInfo | None:
    """With no digest last month: the newest snapshot of an earlier month, a monthly one first."""
    earlier = [s for s in snapshots if s.id < current_id and s.period < period]  # `snapshots` newest first
    monthly = [s for s in earlier if s.trigger == "monthly"]
    return (monthly or earlier)[0] if earlier else None


def chart_months(period: str, snapshots: Sequence[SnapshotInfo], current: SnapshotInfo) -> list[MonthMoney]:
    """The newest snapshot of each earlier month, then this digest's, at most `CHART_MONTHS`."""
    latest: dict[str, SnapshotInfo] = {}
    for info in snapshots:  # newest first
        if info.id < current.id and info.period < period:
            latest.setdefault(info.period, info)
    months = [(p, s.summary.under_money, s.summary.over_money) for p, s in sorted(latest.items())]
    months.append((period, current.summary.under_money, current.summary.over_money))
    return months[-CHART_MONTHS:]
