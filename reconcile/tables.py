"""SQLAlchemy 2 mapped tables. Every row carries its tenant.

Synced data (accounts, quantities, assets) is stamped with the sync run that wrote it; an
integration's `current_run_id` says which run is live. That is how a sync stays
all-or-nothing: a new run is written aside, then made current in one transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


# Quantities and money: 4 decimal places is what vendors send (prices like 3.4950).
Amount = Numeric(20, 4)


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the PSA whose companies are the clients (`founding.primary_psa`); NULL until the first PSA founds them.
    # No foreign key: integrations already point at tenants, and a disconnected primary keeps its row.
    primary_psa_id: Mapped[int | None] = mapped_column(Integer)


class Integration(Base):
    __tablename__ = "integrations"
    __table_args__ = (
        # a name is unique among connected integrations; a disconnected one keeps its data and name
        Index("uq_integrations_connected_name", "tenant_id", "name", unique=True,
              sqlite_where=text("status = 'connected'"), postgresql_where=text("status = 'connected'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    # Fernet token of the JSON settings, secrets included; NULL once disconnected
    credentials: Mapped[str | None] = mapped_column(Text)
    # the non-secret settings, for display (base URL, client id)
    public_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="connected")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_run_id: Mapped[int | None] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # what kind of failure `last_error` is (`ConnectorError.kind`, or refused / internal): in words for anyone
    last_error_kind: Mapped[str | None] = mapped_column(String(20))


class SyncStatus(StrEnum):
    """Where a sync run is: running → succeeded | failed | interrupted | held;
    held → succeeded (confirmed) | discarded; succeeded → superseded by the next good run."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C or SIGTERM, or its process found dead
    HELD = "held"
    DISCARDED = "discarded"
    SUPERSEDED = "superseded"


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        # one running sync per integration: inserting the run is the claim, atomic on both backends
        Index("uq_sync_runs_running", "integration_id", unique=True,
              sqlite_where=text("status = 'running'"), postgresql_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a running sync writes this as it goes; silence means its process died
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a plain VARCHAR on both backends (no CHECK): a status added later needs no table rebuild
    status: Mapped[SyncStatus] = mapped_column(
        Enum(SyncStatus, native_enum=False, create_constraint=False, length=20,
             values_callable=lambda statuses: [s.value for s in statuses]),
        default=SyncStatus.RUNNING)
    trigger: Mapped[str] = mapped_column(String(20), default="cli")
    # who started it and the process running it (see reconcile.liveness), for "already running" and takeover
    started_by: Mapped[str | None] = mapped_column(String(120))
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    process_mark: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    quantities: Mapped[int] = mapped_column(Integer, default=0)
    assets: Mapped[int] = mapped_column(Integer, default=0)
    # metric → total value, compared with the last good run to catch a sharp drop
    totals: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_run", "sync_run_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    integration_id: Mapped[int] = mapped_column(Integer, index=True)
    sync_run_id: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))


class QuantityRow(Base):
    __tablename__ = "quantities"
    __table_args__ = (Index("ix_quantities_run_metric", "sync_run_id", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    integration_id: Mapped[int] = mapped_column(Integer)
    sync_run_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(200))
    value: Mapped[Decimal] = mapped_column(Amount)
    unit_price: Mapped[Decimal | None] = mapped_column(Amount)
    label: Mapped[str] = mapped_column(String(300), default="")
    # a bought subscription's commitment (`connectors.records.Term`); all NULL where the source gives none
    term_billing_cycle: Mapped[str | None] = mapped_column(String(40))
    term_commitment: Mapped[str | None] = mapped_column(String(40))
    term_ends: Mapped[date | None] = mapped_column(Date)
    term_renews: Mapped[date | None] = mapped_column(Date)


class AssetRow(Base):
    __tablename__ = "assets"
    __table_args__ = (Index("ix_assets_run_metric", "sync_run_id", "metric", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    integration_id: Mapped[int] = mapped_column(Integer)
    sync_run_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # the PSA (or first) account the client was created from, or adopted by; NULL once retired
    # (a client a PSA replaced, kept only because exceptions refer to it: see reconcile.linking)
    origin_integration_id: Mapped[int | None] = mapped_column(Integer)
    origin_account_id: Mapped[str | None] = mapped_column(String(200))
    # who created it by hand from a vendor account that no PSA company matches; NULL when a sync founded it.
    # Founding never retires such a client: a PSA company of the same name adopts it, otherwise it stays.
    created_by: Mapped[str | None] = mapped_column(String(120))


class Link(Base):
    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("integration_id", "account_id", name="uq_links_account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    account_id: Mapped[str] = mapped_column(String(200))
    account_name: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    # suggested | approved | rejected | ignored (no client: the MSP's own lab, a vendor's demo tenant)
    status: Mapped[str] = mapped_column(String(20), default="suggested")
    score: Mapped[float] = mapped_column(default=0.0)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_via: Mapped[str | None] = mapped_column(String(20))

    client: Mapped[Client | None] = relationship()


class CheckRow(Base):
    __tablename__ = "checks"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_checks_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    billed_integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    billed_metrics: Mapped[list[str]] = mapped_column(JSON)
    usage_integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    usage_metrics: Mapped[list[str]] = mapped_column(JSON)
    # count only assets seen within this many days (None: count the source's quantity)
    seen_within_days: Mapped[int | None] = mapped_column(Integer)
    # billed units expected per unit of usage (1 licence per device; 0.5 for a per-2 bundle)
    ratio: Mapped[Decimal] = mapped_column(Amount, default=Decimal(1))
    tolerance_units: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    tolerance_percent: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    # storage billed in a unit (GB, TB, GiB, TiB) from a usage side in bytes; None: plain units
    storage_unit: Mapped[str | None] = mapped_column(String(8))
    storage_rounding: Mapped[str | None] = mapped_column(String(16))  # started | exact
    storage_included: Mapped[Decimal | None] = mapped_column(Amount)  # units included free
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    # "quantity" (billed against used) or "coverage" (the billed_* columns are the device side, usage_* the agents)
    kind: Mapped[str] = mapped_column(String(20), default="quantity", server_default="quantity")
    # a three-way licence check's bought side (distributor or Partner Center); NULL for a two-sided check.
    # No foreign key: SQLite cannot drop a column a foreign key names, and the downgrade drops it.
    bought_integration_id: Mapped[int | None] = mapped_column(Integer)
    bought_metrics: Mapped[list[str] | None] = mapped_column(JSON)


class Snapshot(Base):
    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    taken_by: Mapped[str] = mapped_column(String(120), default="")
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    # [{"integration": name, "kind": kind, "as_of": iso | None, "status": "fresh" | "stale"}]
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    row_count: Mapped[int] = mapped_column(Integer, default=0)


class SnapshotRow(Base):
    __tablename__ = "snapshot_rows"
    __table_args__ = (Index("ix_snapshot_rows_snapshot", "snapshot_id", "client_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    position: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[int | None] = mapped_column(Integer)
    client_name: Mapped[str] = mapped_column(String(300))
    check_name: Mapped[str] = mapped_column(String(200))
    billed: Mapped[Decimal] = mapped_column(Amount)
    actual: Mapped[Decimal] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[Decimal | None] = mapped_column(Amount)
    sources_as_of: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str | None] = mapped_column(String(8))  # a storage result's unit ("TB"); None: plain units
    # a storage result's usage in that unit, to hundredths (2.31): the trend a client's history shows
    used: Mapped[Decimal | None] = mapped_column(Amount)
    # a coverage gap's device and its class (server, workstation…); empty for every other result
    device: Mapped[str] = mapped_column(String(300), default="", server_default="")
    device_class: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # a three-way result's bought side (see `checks.CheckResult`); NULL for every two-sided result
    bought: Mapped[Decimal | None] = mapped_column(Amount)
    bought_price: Mapped[Decimal | None] = mapped_column(Amount)
    bought_at_cost: Mapped[bool | None] = mapped_column()
    buying: Mapped[str | None] = mapped_column(String(40))
    reducible: Mapped[str | None] = mapped_column(Text)
    renews_on: Mapped[date | None] = mapped_column(Date)


class VarianceException(Base):
    """An acknowledged variance: shown as `excepted`, not alarmed on, until `until`."""

    __tablename__ = "exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SkuChoice(Base):
    """A tenant's decision to count a Microsoft SKU its default would not, or not to count one it would.

    Free, trial and viral SKUs are excluded by default (`reconcile.skus.is_free`); a row here includes
    one (`counted` true) or excludes a paid one (`counted` false). No row: the default.
    """

    __tablename__ = "sku_choices"
    __table_args__ = (UniqueConstraint("tenant_id", "sku", name="uq_sku_choices_sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    sku: Mapped[str] = mapped_column(String(120))  # Graph skuPartNumber, as Microsoft spells it
    counted: Mapped[bool] = mapped_column(Boolean)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(20))  # cli | slack | scheduler
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SnapshotImmutable(Exception):
    """Raised when code tries to change or delete a frozen snapshot."""


@event.listens_for(Session, "before_flush")
def _refuse_snapshot_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, (Snapshot, SnapshotRow)) and (obj in session.deleted or session.is_modified(obj)):
            raise SnapshotImmutable("snapshots are immutable: take a new one instead")


# The faces' tables live in their own modules; importing them here makes `Base.metadata` the
# whole schema, whoever imports `tables`.
from reconcile import delivery_tables, install_tables, review_tables, schedule_tables  # noqa: E402,F401
