"""Tables the scheduler keeps: its APScheduler job store, what each job run did, the digest's
journal, the alerts already sent, and which clock process leads.

They share `reconcile.tables.Base` (which imports this module), so the migrations and the test
that compares them with the declared metadata see one schema. Migration 0003 creates them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, String, Table, Text, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reconcile.tables import Amount, Base, UTCDateTime, now

# APScheduler's own table, declared here with exactly the columns `SQLAlchemyJobStore` builds
# (id, next_run_time as a UTC timestamp, the pickled job), so Alembic, not the job store, creates it.
JOBSTORE_TABLE = "apscheduler_jobs"
apscheduler_jobs = Table(
    JOBSTORE_TABLE,
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class JobRun(Base):
    """One execution of a scheduled job: which slot it served, who ran it and how it ended."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_slot", "job_id", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # sync | digest
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    # the scheduled time this run is for (a sync's interval slot, a digest's monthly fire time)
    slot: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # running → succeeded | failed | skipped | interrupted
    status: Mapped[str] = mapped_column(String(20), default="running")
    runner: Mapped[str] = mapped_column(String(120), default="")  # host:pid
    detail: Mapped[str] = mapped_column(Text, default="")


class DigestStep(Base):
    """The digest journal: one row per step done for a tenant's period, never two."""

    __tablename__ = "digest_journal"
    __table_args__ = (UniqueConstraint("tenant_id", "period", "step", name="uq_digest_journal_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    step: Mapped[str] = mapped_column(String(60))  # syncs, snapshot, parent, part-1, csv, chart, done, …
    value: Mapped[str] = mapped_column(Text, default="")  # a ts, a file id, a snapshot id
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class AlertSent(Base):
    """An under-billing alert posted between digests; `cleared_at` once that variance went away."""

    __tablename__ = "alerts_sent"
    __table_args__ = (Index("ix_alerts_sent_key", "tenant_id", "client", "check_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(300))
    check_name: Mapped[str] = mapped_column(String(200))
    variance: Mapped[Decimal] = mapped_column(Amount)
    impact: Mapped[Decimal | None] = mapped_column(Amount)
    channel: Mapped[str] = mapped_column(String(40), default="")
    ts: Mapped[str | None] = mapped_column(String(40))  # None until Slack accepted the post
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClockLeader(Base):
    """Which clock process leads (for status and tests); the lock itself is not this row."""

    __tablename__ = "clock_leader"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
