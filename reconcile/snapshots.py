"""Snapshots: immutable, dated copies of every check result with the freshness of each source.

A snapshot's period is the month it was taken in, in the tenant's time zone ("2026-11" for one
taken on 1 November); the monthly digest's snapshot is filed under the month it was due, even
when it runs late after downtime. A period may hold several snapshots (the monthly one and any taken on
demand); exports and history use the latest of each period. Nothing here updates or deletes a
snapshot, and `tables` refuses it if anything tries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from reconcile import audit, checks, naming, tenants
from reconcile.audit import Actor
from reconcile.bounds import record_id
from reconcile.checks import CheckResult, Source, Status, Summary
from reconcile.context import Context
from reconcile.errors import Invalid, NotFound
from reconcile.reconciliation import Reconciler, Report
from reconcile.tables import Snapshot, SnapshotRow

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
INSERT_BATCH = 5000  # rows handed to the database at a time: bounded memory, few round trips


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    period: str
    taken_at: datetime
    taken_by: str
    trigger: str
    sources: list[dict[str, str | None]]
    summary: Summary
    row_count: int


@dataclass(frozen=True)
class HistoryLine:
    period: str
    check: str
    billed: Decimal
    actual: Decimal
    status: Status
    unit_price: Decimal | None
    unit: str = ""  # a storage check's unit ("TB")
    used: Decimal | None = None  # and the storage used in it, to hundredths (2.31)

    @property
    def variance(self) -> Decimal:
        return self.actual - self.billed

    @property
    def impact(self) -> Decimal | None:
        return CheckResult("", self.check, self.billed, self.actual, self.status, self.unit_price).impact


class Snapshots:
    def __init__(self, context: Context, reconciler: Reconciler) -> None:
        self.context = context
        self.reconciler = reconciler

    def take(self, tenant_id: str, actor: Actor, *, trigger: str = "manual", report: Report | None = None,
             period: str | None = None) -> SnapshotInfo:
        """Freeze every current result; `report` lets a caller snapshot exactly what it showed.

        `period` files the snapshot under a given month (a monthly digest that runs late, after
        downtime, still belongs to the month it was due in); by default, the month it is taken in.
        """
        if period is not None and not PERIOD.match(period):
            raise Invalid(f"period must look like 2026-10, not {period!r}")
        report = report or self.reconciler.run(tenant_id)
        with self.context.sessions.begin() as session:
            tenants.ensure(session, tenant_id)
            zone = tenants.settings_of(session, tenant_id).zone
            taken_at = report.generated_at
            summary = report.summary
            snapshot = Snapshot(
                tenant_id=tenant_id, period=period or taken_at.astimezone(zone).strftime("%Y-%m"), taken_at=taken_at,
                taken_by=actor.name, trigger=trigger, row_count=len(report.results),
                sources=[source_json(s) for s in report.sources],
                summary=summary_json(summary),
            )
            session.add(snapshot)
            session.flush()
            # rows stream to the database in batches as they are made: the results are in memory once
            batch: list[tuple[object, ...]] = []
            for position, r in enumerate(report.results):
                batch.append((tenant_id, snapshot.id, position, r.client_id, r.client, r.check, r.billed, r.actual,
                              STATUS_VALUES[r.status], r.unit_price, "; ".join(r.sources), r.note, r.device,
                              r.device_class, r.unit or None, *bought_values(r), r.used))
                if len(batch) >= INSERT_BATCH:
                    write_rows(session, batch)
                    batch = []
            if batch:
                write_rows(session, batch)
            audit.record(session, tenant_id, actor, "snapshot.take", snapshot.period, snapshot=snapshot.id,
                         rows=len(report.results), trigger=trigger)
            return info(snapshot)

    def list(self, tenant_id: str) -> list[SnapshotInfo]:
        with self.context.sessions() as session:
            query = select(Snapshot).where(Snapshot.tenant_id == tenant_id).order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
            return [info(s) for s in session.scalars(query)]

    def latest(self, tenant_id: str, period: str | None = None) -> SnapshotInfo:
        """The newest snapshot, or the newest of a period (YYYY-MM)."""
        with self.context.sessions() as session:
            return info(self._latest(session, tenant_id, period))

    def results(self, tenant_id: str, snapshot_id: int | str) -> list[CheckResult]:
        """A snapshot's frozen results, in the order they were reported."""
        snapshot_id = record_id(snapshot_id, "snapshot")
        with self.context.sessions() as session:
            snapshot = session.get(Snapshot, snapshot_id)
            if snapshot is None or snapshot.tenant_id != tenant_id:
                raise NotFound(f"no snapshot #{snapshot_id}")
            rows = session.scalars(select(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot_id)
                                   .order_by(SnapshotRow.position))
            return [to_result(row) for row in rows]

    def report(self, tenant_id: str, snapshot_id: int | str) -> Report:
        """A snapshot as the report it froze: its results, its sources as they were, its time."""
        snapshot_id = record_id(snapshot_id, "snapshot")
        results = self.results(tenant_id, snapshot_id)
        with self.context.sessions() as session:
            snapshot = session.get(Snapshot, snapshot_id)
            sources = [source_of(s) for s in snapshot.sources or []]
            return Report(results, sources, snapshot.taken_at)

    def history(self, tenant_id: str, client: str) -> tuple[str, list[HistoryLine]]:
        """Month over month for one client: the latest snapshot of each period, oldest first."""
        with self.context.sessions() as session:
            latest_ids = session.scalars(
                select(func.max(Snapshot.id)).where(Snapshot.tenant_id == tenant_id).group_by(Snapshot.period)).all()
            if not latest_ids:
                raise NotFound("no snapshots yet; take one first")
            names = set(session.scalars(select(SnapshotRow.client_name).where(SnapshotRow.snapshot_id.in_(latest_ids))))
            name = naming.pick(client, names, what="client")
            query = (select(Snapshot.period, SnapshotRow).join(Snapshot, Snapshot.id == SnapshotRow.snapshot_id)
                     .where(SnapshotRow.snapshot_id.in_(latest_ids), SnapshotRow.client_name == name)
                     .order_by(Snapshot.period, SnapshotRow.check_name))
            return name, [HistoryLine(period, row.check_name, Decimal(row.billed), Decimal(row.actual),
                                      Status(row.status), _decimal(row.unit_price), row.unit or "",
                                      _decimal(row.used))
                          for period, row in session.execute(query)]

    def _latest(self, session: Session, tenant_id: str, period: str | None) -> Snapshot:
        query = select(Snapshot).where(Snapshot.tenant_id == tenant_id)
        if period is not None:
            if not PERIOD.match(period):
                raise Invalid(f"period must look like 2026-10, not {period!r}")
            query = query.where(Snapshot.period == period)
        snapshot = session.scalars(query.order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())).first()
        if snapshot is None:
            raise NotFound(f"no snapshot for {period}" if period else "no snapshots yet; take one first")
        return snapshot


COLUMNS = ("tenant_id", "snapshot_id", "position", "client_id", "client_name", "check_name", "billed", "actual",
           "status", "unit_price", "sources_as_of", "note", "device", "device_class", "unit",  # billed, actual, unit_price: 6, 7, 9
           "bought", "bought_price", "bought_at_cost", "buying", "reducible", "renews_on",  # bought, its price: 15, 16
           "used")  # a storage result's usage in its unit: 21
NO_BOUGHT_SIDE = (None,) * 6
STATUS_VALUES = {status: status.value for status in Status}  # an Enum's .value is slow at 100,000 rows


def write_rows(session: Session, rows: list[tuple[object, ...]]) -> None:
    """Append snapshot rows (values in `COLUMNS` order) inside the session's transaction.

    PostgreSQL gets COPY and SQLite the driver's own executemany (numbers as floats, as SQLAlchemy's
    Numeric binds them there): several times faster than SQLAlchemy's executemany, whose per-row
    parameter processing was most of a 100,000-row snapshot's time; other backends get that one.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY snapshot_rows ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif dialect == "sqlite":
        cursor = connection.connection.driver_connection.cursor()
        cursor.executemany(f"INSERT INTO snapshot_rows ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                           [(*row[:6], float(row[6]), float(row[7]), row[8], _float(row[9]), *row[10:15],
                             _float(row[15]), _float(row[16]), row[17], row[18], row[19],
                             None if row[20] is None else row[20].isoformat(), _float(row[21])) for row in rows])
    else:
        connection.execute(insert(SnapshotRow.__table__), [dict(zip(COLUMNS, row)) for row in rows])


def summary_json(summary: Summary) -> dict[str, object]:
    return {"counts": {s.value: n for s, n in summary.counts.items()},
            "under_money": str(summary.under_money), "over_money": str(summary.over_money),
            "under_at_cost": str(summary.under_at_cost), "over_at_cost": str(summary.over_at_cost),
            # three-way checks only, so a two-sided tenant's snapshots read as before
            **({"over_bought": summary.over_bought, "over_bought_at_cost": str(summary.over_bought_at_cost)}
               if summary.over_bought else {})}


def summary_from_json(data: dict[str, object]) -> Summary:
    counts = {Status(k): int(v) for k, v in dict(data.get("counts") or {}).items()}
    return Summary(counts=counts, under_money=Decimal(str(data.get("under_money", "0"))),
                   over_money=Decimal(str(data.get("over_money", "0"))),
                   under_at_cost=Decimal(str(data.get("under_at_cost", "0"))),
                   over_at_cost=Decimal(str(data.get("over_at_cost", "0"))),
                   over_bought=int(str(data.get("over_bought", "0"))),
                   over_bought_at_cost=Decimal(str(data.get("over_bought_at_cost", "0"))))


def info(snapshot: Snapshot) -> SnapshotInfo:
    return SnapshotInfo(snapshot.id, snapshot.period, snapshot.taken_at, snapshot.taken_by, snapshot.trigger,
                        list(snapshot.sources or []), summary_from_json(snapshot.summary or {}), snapshot.row_count)


def to_result(row: SnapshotRow) -> CheckResult:
    return CheckResult(client=row.client_name, check=row.check_name, billed=Decimal(row.billed),
                       actual=Decimal(row.actual), status=Status(row.status), unit_price=_decimal(row.unit_price),
                       client_id=row.client_id, sources=tuple(s for s in row.sources_as_of.split("; ") if s),
                       # the note is where a snapshot keeps that its money was priced at cost (`checks.evaluate`
                       # labels only money at stake, so a matched row's copy no longer knows; it has no money)
                       note=row.note, at_cost=checks.AT_COST + ": " in (row.note or ""), device=row.device or "",
                       device_class=row.device_class or "", unit=row.unit or "",
                       bought=_decimal(row.bought), bought_price=_decimal(row.bought_price),
                       bought_at_cost=bool(row.bought_at_cost), buying=row.buying or "", reducible=row.reducible or "",
                       renews_on=row.renews_on, used=_decimal(row.used))


def bought_values(r: CheckResult) -> tuple[object, ...]:
    """A three-way result's bought side as its snapshot row keeps it (all NULL for a two-sided result)."""
    if r.bought is None:
        return NO_BOUGHT_SIDE
    return r.bought, r.bought_price, r.bought_at_cost, r.buying or None, r.reducible or None, r.renews_on


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _decimal(value: Decimal | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def source_json(source: Source) -> dict[str, Any]:
    """A source as a snapshot keeps it: name, kind, as-of, fresh or stale and why, a failed last sync, a disconnection."""
    return {"integration": source.name, "kind": source.kind, "as_of": moment(source.as_of),
            "status": "stale" if source.stale else "fresh", "reason": source.reason,
            "failed_at": moment(source.failed_at), "failure": source.failure,
            "disconnected_at": moment(source.disconnected_at), "good_until": moment(source.good_until)}


def source_of(kept: dict[str, Any]) -> Source:
    """A snapshot's source as it was (snapshots taken before failures or disconnection were kept have none)."""
    def at(key: str) -> datetime | None:
        return datetime.fromisoformat(str(kept[key])) if kept.get(key) else None
    return Source(0, str(kept.get("integration", "")), str(kept.get("kind", "")), at("as_of"),
                  kept.get("status") == "stale", str(kept.get("reason") or ""),
                  failed_at=at("failed_at"), failure=str(kept.get("failure") or ""),
                  disconnected_at=at("disconnected_at"), good_until=at("good_until"))


def moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
