"""Syncing one integration, all or nothing.

1. The sync claims the integration by inserting its run as `running`; a unique partial index
   admits one running run per integration, so of two syncs started together exactly one gets
   it, on SQLite and PostgreSQL alike, and the other is told "a sync of NAME is already running
   (started HH:MM UTC by …)". An integration whose kind this billrec does not know is refused
   before any run exists. Rows left by an interrupted run are cleared.
2. The connector's records stream in and are written aside in batches, stamped with the run
   (readers only ever see an integration's `current_run_id`, so staged rows are invisible).
3. Every record is validated on the way: a metric outside the connector's catalog, an empty
   account id or a non-finite number fails the run.
4. If the totals fall sharply against the last good run (by more than `Config.drop_threshold`),
   the run is `held` until someone confirms it; nothing changes meanwhile.
5. Otherwise the run becomes current in one transaction. The previous run's rows stay until
   the next sync of that integration begins, so a report reading them while this swap commits
   never sees half of either run.

A failure at any step marks the run `failed` with a clear, redacted message, deletes what it
staged and leaves the last good data exactly as it was. Ctrl-C, SIGTERM (the CLI turns it into
an exception) or anything else that is not an `Exception` marks the run `interrupted` the same
way before the process goes on stopping.

A run whose process died without a word (SIGKILL, a power cut) stays `running` until a later
sync takes it over and marks it `interrupted`. The run records its host, pid and a start marker
(`reconcile.liveness`): a sync on the same host that finds that process gone takes over at
once. Across hosts the heartbeat is the rule: a running sync beats (a timer thread, every
`HEARTBEAT_EVERY` seconds, whatever the vendor is doing), and a run silent for
`RUNNING_SILENCE` is taken over from anywhere. Every write a run makes is conditional on it
still being `running`, so a run declared dead that wakes up again stops instead of overwriting
anything.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.base import Connector
from connectors.errors import BadResponse, ConnectorError
from connectors.records import Account, Asset, Quantity, Term, Unreadable
from reconcile import audit, liveness
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.errors import Conflict, NotFound, UserError
from reconcile.integrations import INTERNAL, REFUSED, Integrations, in_words
from reconcile.tables import AccountRow, AssetRow, Integration, QuantityRow, SyncRun, SyncStatus

log = logging.getLogger(__name__)

BATCH = 2000  # records written per staging transaction: bounded memory, few round trips
PROGRESS_EVERY = 50  # records read between progress reports: a slow vendor's first page shows at once
# A running sync beats at least this often (its staging writes do); a run silent for
# RUNNING_SILENCE died with its process, and the next sync takes it over from any host.
HEARTBEAT_EVERY = 30.0  # seconds
RUNNING_SILENCE = timedelta(minutes=10)
STAGED = (AccountRow, QuantityRow, AssetRow)


class AlreadyRunning(Conflict):
    """Another sync of the integration is running (and alive): this one did not start."""


class Superseded(Exception):
    """This run was declared dead (another sync took over); it must stop writing."""


class _Heartbeat:
    """Beats for a running sync from a timer thread, independent of how fast the vendor answers."""

    def __init__(self, context: Context, run_id: int) -> None:
        self.context, self.run_id = context, run_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"sync-{run_id}-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                with self.context.sessions.begin() as session:
                    alive = beat(session, self.run_id, self.context.clock())
            except Exception:  # a missed beat is harmless; the next one tries again
                log.warning("sync run %s: heartbeat failed", self.run_id, exc_info=True)
                continue
            if not alive:
                return


def beat(session: Session, run_id: int, now: datetime) -> bool:
    """Mark the run alive; False when it is no longer running (it was taken over)."""
    result = session.execute(update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == SyncStatus.RUNNING)
                             .values(heartbeat_at=now))
    return bool(result.rowcount)


@dataclass(frozen=True)
class SyncOutcome:
    """What a sync did, in words fit for the user."""

    integration: str
    run_id: int
    # succeeded | failed | interrupted | held | discarded; running: not run, another sync of it is running
    status: SyncStatus
    accounts: int = 0
    quantities: int = 0
    assets: int = 0
    message: str = ""
    drops: tuple[str, ...] = ()
    # a failure in words anyone may read, where `message` holds the vendor's (for admins)
    problem: str | None = None
    # accounts the vendor listed but refused to let us read; the sync kept every other account
    unreadable: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == SyncStatus.SUCCEEDED


@dataclass
class _Stage:
    """Rows waiting to be written, and the run's running totals."""

    context: Context
    tenant_id: str
    integration_id: int
    run_id: int
    connector: type[Connector]
    progress: Callable[[int], None] | None
    pending: dict[type, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in STAGED})
    counts: Counter[str] = field(default_factory=Counter)
    totals: dict[str, Decimal] = field(default_factory=dict)
    read: int = 0  # records taken from the connector so far, for progress as they arrive (not as written)
    unreadable: list[str] = field(default_factory=list)  # "name (reason)" of each account it could not read

    def add(self, record: object) -> None:
        base = {"tenant_id": self.tenant_id, "integration_id": self.integration_id, "sync_run_id": self.run_id}
        if isinstance(record, Account):
            self._account_id(record.id)
            self.pending[AccountRow].append({**base, "external_id": record.id, "name": record.name[:300]})
            self.counts["accounts"] += 1
        elif isinstance(record, Quantity):
            self._metric(record.metric)
            if not record.value.is_finite() or (record.unit_price is not None and not record.unit_price.is_finite()):
                raise BadResponse(f"{self.connector.display_name} sent a quantity that is not a finite number")
            self.pending[QuantityRow].append({**base, "account_id": self._account_id(record.account_id),
                                              "metric": record.metric, "value": record.value,
                                              "unit_price": record.unit_price, "label": record.label[:300],
                                              **term_columns(record.term)})
            self.totals[record.metric] = self.totals.get(record.metric, Decimal(0)) + record.value
            self.counts["quantities"] += 1
        elif isinstance(record, Unreadable):
            self.unreadable.append(f"{record.name[:300]} ({record.reason[:300]})")
        elif isinstance(record, Asset):
            self._metric(record.metric)
            self.pending[AssetRow].append({**base, "account_id": self._account_id(record.account_id),
                                           "metric": record.metric, "external_id": record.id[:200],
                                           "name": record.name[:300], "last_seen": record.last_seen})
            self.counts["assets"] += 1
        else:
            raise BadResponse(f"{self.connector.display_name} yielded something that is not a record")
        self.read += 1
        if self.progress and self.read % PROGRESS_EVERY == 0:
            self.progress(PROGRESS_EVERY)
        if sum(len(rows) for rows in self.pending.values()) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what is pending, only while the run is still ours to write."""
        with self.context.sessions.begin() as session:
            if not beat(session, self.run_id, self.context.clock()):
                raise Superseded(self.run_id)
            for table, rows in self.pending.items():
                if rows:
                    session.execute(insert(table), rows)
                    rows.clear()

    def _metric(self, metric: str) -> None:
        if not self.connector.declares(metric):
            raise BadResponse(f"{self.connector.display_name} sent metric {metric!r}, which is not in its catalog")

    def _account_id(self, account_id: str) -> str:
        if not account_id or len(account_id) > 200:
            raise BadResponse(f"{self.connector.display_name} sent a record without a usable account id")
        return account_id


class Syncs:
    def __init__(self, context: Context, integrations: Integrations,
                 after_sync: Callable[[str, int], None] = lambda tenant_id, integration_id: None) -> None:
        self.context = context
        self.integrations = integrations
        self.after_sync = after_sync

    def run(self, tenant_id: str, name: str, actor: Actor, *, trigger: str | None = None,
            progress: Callable[[int], None] | None = None) -> SyncOutcome:
        """Sync one integration; see the module docstring for the steps."""
        run_id, integration_id, cls = self._begin(tenant_id, name, trigger or actor.via, actor)
        stage = _Stage(self.context, tenant_id, integration_id, run_id, cls, progress)
        try:
            try:
                with _Heartbeat(self.context, run_id), self.integrations.open(tenant_id, name) as connector:
                    for record in connector.sync():
                        stage.add(record)
                stage.flush()
            except Superseded:
                log.warning("sync run %s of %s was declared dead and taken over; it stops here", run_id, name)
                return SyncOutcome(name, run_id, SyncStatus.FAILED, message="stopped: this sync was declared dead "
                                   "and another one took over; the current data is untouched")
            except ConnectorError as error:  # the vendor or the key
                return self._fail(tenant_id, name, run_id, error.message, kind=error.kind)
            except UserError as error:  # a refused URL, disconnected meanwhile
                return self._fail(tenant_id, name, run_id, error.message, kind=REFUSED)
            return self._finish(tenant_id, name, run_id, stage, actor)
        except Exception as error:
            log.exception("sync of %s failed unexpectedly", name)
            self._fail(tenant_id, name, run_id, f"internal error ({type(error).__name__}); see the log", kind=INTERNAL)
            raise
        except BaseException as error:  # Ctrl-C, SIGTERM, a worker shutting down: free the integration first
            self._fail(tenant_id, name, run_id, f"interrupted ({_stopped_by(error)})", SyncStatus.INTERRUPTED)
            raise

    def run_all(self, tenant_id: str, actor: Actor, *, trigger: str | None = None,
                progress: Callable[[str, int], None] | None = None) -> list[SyncOutcome]:
        outcomes = []
        for info in self.integrations.list(tenant_id, include_disconnected=False):
            step = (lambda n, _name=info.name: progress(_name, n)) if progress else None
            try:
                outcomes.append(self.run(tenant_id, info.name, actor, trigger=trigger, progress=step))
            except AlreadyRunning as busy:  # its data is being refreshed right now, by another run
                outcomes.append(SyncOutcome(info.name, 0, SyncStatus.RUNNING, message=busy.message))
            except UserError as refused:  # disconnected meanwhile, or a kind this version does not know
                outcomes.append(SyncOutcome(info.name, 0, SyncStatus.FAILED, message=refused.message))
            except Exception as error:  # one broken integration must not stop the others
                log.exception("sync of %s failed unexpectedly", info.name)
                outcomes.append(SyncOutcome(info.name, 0, SyncStatus.FAILED,
                                            message=f"internal error ({type(error).__name__}); see the log"))
        return outcomes

    def confirm(self, tenant_id: str, name: str, actor: Actor, run_id: int | None = None) -> SyncOutcome:
        """Accept the latest held run (or exactly `run_id`, if it still is): it replaces the current data."""
        with self.context.sessions.begin() as session:
            integration = self.integrations.require(session, tenant_id, name)
            run = self._held(session, integration, run_id)
            self._swap(session, integration, run)
            audit.record(session, tenant_id, actor, "sync.confirm", name, run=run.id)
            outcome = self._outcome(name, run, SyncStatus.SUCCEEDED, "held sync confirmed; its data is now current")
        self.after_sync(tenant_id, integration.id)
        return outcome

    def discard(self, tenant_id: str, name: str, actor: Actor, run_id: int | None = None) -> SyncOutcome:
        """Throw the latest held run (or exactly `run_id`) away; the previous data stays current."""
        with self.context.sessions.begin() as session:
            integration = self.integrations.require(session, tenant_id, name)
            run = self._held(session, integration, run_id)
            run.status = SyncStatus.DISCARDED
            self._delete_rows(session, [run.id])
            audit.record(session, tenant_id, actor, "sync.discard", name, run=run.id)
            return self._outcome(name, run, SyncStatus.DISCARDED, "held sync discarded; the previous data stays")

    def held(self, tenant_id: str) -> list[SyncOutcome]:
        """Every run waiting for confirmation."""
        with self.context.sessions() as session:
            query = (select(SyncRun, Integration.name).join(Integration, Integration.id == SyncRun.integration_id)
                     .where(SyncRun.tenant_id == tenant_id, SyncRun.status == SyncStatus.HELD))
            return [self._outcome(name, run, SyncStatus.HELD, run.error or "") for run, name in session.execute(query)]

    # -- steps ----------------------------------------------------------------------------

    def _begin(self, tenant_id: str, name: str, trigger: str, actor: Actor) -> tuple[int, int, type[Connector]]:
        """Claim the integration: take over a dead run, insert ours as `running`, clear old staged rows."""
        now = self.context.clock()
        integration_id = None
        try:
            with self.context.sessions.begin() as session:
                integration = self.integrations.require(session, tenant_id, name)
                integration_id = integration.id
                if integration.status != "connected":
                    raise Conflict(f"{name} is disconnected; its synced data is kept, but it no longer syncs")
                cls = self.context.registry.get(integration.kind)
                if cls is None:  # refused before a run exists, so nothing is left `running`
                    raise Conflict(f"{name} is a {integration.kind!r} integration, a kind this version of billrec "
                                   f"does not know (it knows {', '.join(sorted(self.context.registry))}); it cannot "
                                   "sync until billrec is upgraded, or it is disconnected")
                self._take_over(session, integration.id, name, now)
                me = liveness.this_process()
                run = SyncRun(tenant_id=tenant_id, integration_id=integration.id, status=SyncStatus.RUNNING,
                              trigger=trigger, started_at=now, started_by=actor.name[:120], host=me.host[:255],
                              pid=me.pid, process_mark=me.mark[:100])
                session.add(run)
                session.flush()  # the claim: a concurrent sync's insert fails here, or waits and then fails
                keep = [r for r in (integration.current_run_id,) if r] + list(session.scalars(
                    select(SyncRun.id).where(SyncRun.integration_id == integration.id,
                                             SyncRun.status == SyncStatus.HELD)))
                for table in STAGED:
                    session.execute(delete(table).where(table.integration_id == integration.id,
                                                        table.sync_run_id.not_in(keep)))
                integration.last_attempt_at = now
                return run.id, integration.id, cls
        except IntegrityError:
            with self.context.sessions() as session:
                winner = session.scalar(select(SyncRun).where(SyncRun.integration_id == integration_id,
                                                              SyncRun.status == SyncStatus.RUNNING))
            if winner is None:  # not the claim that failed
                raise
            raise AlreadyRunning(_busy(name, winner)) from None

    @staticmethod
    def _take_over(session: Session, integration_id: int, name: str, now: datetime) -> None:
        """Mark a dead `running` run of the integration interrupted; refuse, in words, while one lives."""
        for old in session.scalars(select(SyncRun).where(SyncRun.integration_id == integration_id,
                                                         SyncRun.status == SyncStatus.RUNNING)):
            why = _dead(old, now)
            if why is None:
                raise AlreadyRunning(_busy(name, old))
            log.warning("sync run %s of %s: %s; taking it over", old.id, name, why)
            old.status, old.finished_at = SyncStatus.INTERRUPTED, now
            old.error = "interrupted: the process stopped mid-sync" + ("" if why == SILENT else f" ({why})")
        session.flush()  # the run taken over leaves the unique index before ours enters it

    def _fail(self, tenant_id: str, name: str, run_id: int, message: str,
              status: SyncStatus = SyncStatus.FAILED, kind: str | None = None) -> SyncOutcome:
        """End a run that did not finish: its staged rows go, the last good data stays.

        A failed run records its message and `kind` (`ConnectorError.kind`, `REFUSED` or
        `INTERNAL`) as the integration's last error; an interrupted run leaves them alone:
        nothing was wrong with it. Only an integration with good data says it is kept.
        """
        with self.context.sessions.begin() as session:
            run = session.get(SyncRun, run_id)
            if run.status != SyncStatus.RUNNING:  # taken over or finished: its rows and the integration are not ours
                return self._outcome(name, run, SyncStatus.FAILED, f"{message} — the current data is untouched")
            run.status, run.error, run.finished_at = status, message, self.context.clock()
            self._delete_rows(session, [run_id])
            integration = session.get(Integration, run.integration_id)
            kept = " — the last good data is kept" if integration.current_run_id else ""
            outcome = self._outcome(name, run, status, message + kept)
            if status == SyncStatus.FAILED:
                integration.last_error, integration.last_error_kind = message, kind or INTERNAL
                # info, not warning: the caller reports the outcome (a CLI would print it twice)
                log.info("sync of %s failed: %s", name, message)
                return replace(outcome, problem=in_words(kind or INTERNAL) + kept)
            log.warning("sync of %s %s%s", name, message, kept)
            return outcome

    def _finish(self, tenant_id: str, name: str, run_id: int, stage: _Stage, actor: Actor) -> SyncOutcome:
        with self.context.sessions.begin() as session:
            run = session.get(SyncRun, run_id, with_for_update=True)
            if run.status != SyncStatus.RUNNING:
                log.warning("sync run %s of %s was declared dead and taken over; not applying it", run_id, name)
                return SyncOutcome(name, run_id, SyncStatus.FAILED, message="stopped: this sync was declared dead and "
                                   "another one took over; the current data is untouched")
            integration = session.get(Integration, run.integration_id)
            run.accounts, run.quantities, run.assets = (stage.counts["accounts"], stage.counts["quantities"],
                                                        stage.counts["assets"])
            run.totals = {metric: str(total) for metric, total in sorted(stage.totals.items())}
            run.finished_at = self.context.clock()
            previous = session.get(SyncRun, integration.current_run_id) if integration.current_run_id else None
            drops = sharp_drops(previous, run, self.context.config.drop_threshold) if previous else []
            if drops:
                for older in session.scalars(select(SyncRun).where(SyncRun.integration_id == integration.id,
                                                                   SyncRun.status == SyncStatus.HELD)):
                    older.status = SyncStatus.DISCARDED
                    self._delete_rows(session, [older.id])
                run.status = SyncStatus.HELD
                run.error = "totals fell sharply: " + "; ".join(drops)
                integration.last_error = integration.last_error_kind = None
                audit.record(session, tenant_id, actor, "sync.held", name, run=run.id, drops=drops)
                return self._outcome(name, run, SyncStatus.HELD,
                                     "held for confirmation, nothing replaced: " + "; ".join(drops), tuple(drops))
            self._swap(session, integration, run)
            outcome = self._outcome(name, run, SyncStatus.SUCCEEDED, "synced")
            if stage.unreadable:  # a partial success: the good accounts are current, the refusing ones named
                outcome = replace(outcome, unreadable=tuple(stage.unreadable),
                                  message="synced, but could not read " + "; ".join(stage.unreadable))
                # info: the outcome names them, and a CLI would otherwise print them twice
                log.info("sync of %s could not read %s", name, "; ".join(stage.unreadable))
        self.after_sync(tenant_id, integration.id)
        return outcome

    def _swap(self, session: Session, integration: Integration, run: SyncRun) -> None:
        """Make `run` current. The old run's rows stay until the next sync begins (see the module
        docstring); holds older than this run are discarded, so none can later replace newer data."""
        old = integration.current_run_id
        run.status = SyncStatus.SUCCEEDED
        integration.current_run_id = run.id
        integration.last_success_at = run.finished_at or self.context.clock()
        integration.last_error = integration.last_error_kind = None
        if old and old != run.id:
            session.execute(update(SyncRun).where(SyncRun.id == old).values(status=SyncStatus.SUPERSEDED))
        for older in session.scalars(select(SyncRun).where(SyncRun.integration_id == integration.id,
                                                           SyncRun.status == SyncStatus.HELD, SyncRun.id < run.id)):
            older.status = SyncStatus.DISCARDED
            self._delete_rows(session, [older.id])

    def _held(self, session: Session, integration: Integration, run_id: int | None = None) -> SyncRun:
        run = session.scalars(select(SyncRun).where(SyncRun.integration_id == integration.id,
                                                    SyncRun.status == SyncStatus.HELD)
                              .order_by(SyncRun.id.desc())).first()
        if run is None:
            raise NotFound(f"{integration.name} has no sync waiting for confirmation")
        if run_id is not None and run.id != run_id:
            raise NotFound(f"that held sync of {integration.name} was replaced by a newer one; "
                           "look at the status again before deciding")
        return run

    @staticmethod
    def _delete_rows(session: Session, run_ids: Iterable[int]) -> None:
        ids = list(run_ids)
        for table in STAGED:
            session.execute(delete(table).where(table.sync_run_id.in_(ids)))

    @staticmethod
    def _outcome(name: str, run: SyncRun, status: SyncStatus, message: str, drops: tuple[str, ...] = ()) -> SyncOutcome:
        return SyncOutcome(name, run.id, status, run.accounts or 0, run.quantities or 0, run.assets or 0,
                           message, drops)


SILENT = "silent for longer than a live sync ever is"


def _dead(run: SyncRun, now: datetime) -> str | None:
    """Why a `running` run is dead (its heartbeat went silent, or its process is gone); None if it may be alive."""
    if now - (run.heartbeat_at or run.started_at) >= RUNNING_SILENCE:
        return SILENT
    if liveness.gone(run.host, run.pid, run.process_mark):
        return f"pid {run.pid} on {run.host} is gone"
    return None


def _busy(name: str, run: SyncRun) -> str:
    by = f" by {run.started_by}" if run.started_by else ""
    where = f", pid {run.pid} on {run.host}" if run.host else ""
    return (f"a sync of {name} is already running (started {run.started_at:%H:%M} UTC{by}{where}); "
            "try again when it ends")


def _stopped_by(error: BaseException) -> str:
    """In words: "Ctrl-C", "SIGTERM" (see bot.cli), or the exception's name."""
    if isinstance(error, KeyboardInterrupt):
        return "Ctrl-C"
    text = str(error)
    return text if text and not text.isdigit() else type(error).__name__


def sharp_drops(previous: SyncRun, current: SyncRun, threshold: Decimal) -> list[str]:
    """How the totals fell by more than `threshold` (a fraction), in words; empty when they did not.

    Compared: the number of accounts, and the grand total of each unit family's quantities —
    counts (devices, seats, licences) apart from storage in bytes, since a terabyte's 10^12
    would otherwise swamp every count and hide half the devices vanishing. A single product
    going away is normal business; half of everything vanishing is a vendor problem.
    """
    def fell(before: Decimal, after: Decimal) -> bool:
        return before > 0 and after < before * (1 - threshold)

    drops = []
    if fell(Decimal(previous.accounts or 0), Decimal(current.accounts or 0)):
        drops.append(f"accounts {previous.accounts} → {current.accounts}")
    earlier, now = previous.totals or {}, current.totals or {}
    for family in sorted({unit_family(metric) for metric in earlier}):
        metrics = [metric for metric in earlier if unit_family(metric) == family]
        before = sum((Decimal(earlier[m]) for m in metrics), Decimal(0))
        after = sum((Decimal(v) for m, v in now.items() if unit_family(m) == family), Decimal(0))
        if fell(before, after):
            worst = sorted(metrics, key=lambda m: Decimal(now.get(m, "0")) - Decimal(earlier[m]))[:3]
            detail = ", ".join(f"{m} {Decimal(earlier[m]):g} → {Decimal(now.get(m, '0')):g}" for m in worst)
            drops.append(f"all {family} {before:g} → {after:g} ({detail})")
    return drops


def unit_family(metric: str) -> str:
    """`storage` for quantities in bytes (`storage:…`), `quantities` for every count."""
    return "storage" if metric.startswith("storage:") or ":storage:" in metric else "quantities"


def term_columns(term: Term | None) -> dict[str, object]:
    """A bought quantity's commitment as its row keeps it; every key present, so rows insert together."""
    if term is None:
        return {"term_billing_cycle": None, "term_commitment": None, "term_ends": None, "term_renews": None}
    return {"term_billing_cycle": term.billing_cycle[:40] or None,
            "term_commitment": (term.commitment or "")[:40] or None, "term_ends": term.ends, "term_renews": term.renews}
