"""When things will happen next, for `/billrec status`, `billrec integrations` and the settings views.

Times come from the plan (`bot.schedule.plan`), which the clock's job store follows within
seconds of any change, so a setting changed a moment ago in another process already shows its
effect. The job store is read too (ids and next run times only, nothing unpickled): a run that is
overdue there (missed while no clock ran, about to run) is shown instead, as is a pending retry.

    next_syncs(services, "T1")   → {3: datetime(2026, 11, 28, 5, 10, tzinfo=UTC), …}
    next_digest(services, "T1")  → datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    describe_digest(moment)      → "Mon 1 Dec 2026 09:00 GMT (Europe/London)"
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.util import utc_timestamp_to_datetime
from sqlalchemy import select

from bot.schedule import plan
from reconcile.bootstrap import Services
from reconcile.schedule_tables import ClockLeader, apscheduler_jobs

STALE_BEAT = timedelta(minutes=2)  # a leader that has not reported for this long is presumed gone


def scheduled(services: Services, job_ids: list[str]) -> dict[str, datetime | None]:
    """The job store's next run time of each id present (None: paused)."""
    if not job_ids:
        return {}
    with services.engine.connect() as connection:
        rows = connection.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)
                                  .where(apscheduler_jobs.c.id.in_(job_ids)))
        return {job_id: utc_timestamp_to_datetime(stamp) for job_id, stamp in rows}


def next_syncs(services: Services, tenant_id: str) -> dict[int, datetime | None]:
    """Next scheduled sync per connected integration id (UTC)."""
    settings = services.tenants.settings(tenant_id)
    ids = [i.id for i in services.integrations.list(tenant_id, include_disconnected=False)]
    stored = scheduled(services, [plan.sync_job_id(tenant_id, i) for i in ids])
    now = services.context.clock()
    return {i: _overdue(stored.get(plan.sync_job_id(tenant_id, i)), now)
            or plan.next_fire(plan.sync_trigger(tenant_id, i, settings.sync_interval_hours), now) for i in ids}


def next_digest(services: Services, tenant_id: str) -> datetime | None:
    """The next digest, in the tenant's zone (a retry, if one is pending, comes first)."""
    settings = services.tenants.settings(tenant_id)
    stored = scheduled(services, [plan.digest_job_id(tenant_id), plan.retry_job_id(tenant_id)])
    now = services.context.clock()
    planned = _overdue(stored.get(plan.digest_job_id(tenant_id)), now) or plan.next_fire(
        plan.digest_trigger(settings), now)
    moments = [m for m in (planned, stored.get(plan.retry_job_id(tenant_id))) if m is not None]
    return min(moments).astimezone(settings.zone) if moments else None


def _overdue(stored: datetime | None, now: datetime) -> datetime | None:
    return stored if stored is not None and stored <= now else None


def describe_digest(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "not scheduled"
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b %Y %H:%M %Z')} ({timezone})"


def describe_sync(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "paused"


def clock_running(services: Services) -> bool:
    """Whether a clock process reported in recently (else nothing will run on schedule)."""
    with services.context.sessions() as session:
        row = session.get(ClockLeader, "clock")
    return row is not None and services.context.clock() - row.beat_at < STALE_BEAT
