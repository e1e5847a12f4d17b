"""What should be scheduled and when it runs next, read from the database.

    desired_jobs(context)              → every job the tenants and their integrations ask for (`plan.desired`)
    job_store(engine)                  → APScheduler's job store on our `apscheduler_jobs` table
    next_syncs(services, "T1")         → {3: datetime(2026, 11, 28, 5, 10, tzinfo=UTC), …}
    next_digest(services, "T1")        → datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))

Times come from the plan, which the clock's job store follows within seconds of any change,
so a setting changed a moment ago in another process already shows its effect. The job store
is read too (ids and next run times only, nothing unpickled): a run that is overdue there
(missed while no clock ran, about to run) is shown instead, as is a pending retry.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.util import utc_timestamp_to_datetime
from sqlalchemy import Engine, select

from reconcile.bootstrap import Services
from reconcile.context import Context
from reconcile.schedule import plan
from reconcile.schedule_tables import JOBSTORE_TABLE, apscheduler_jobs
from reconcile.tables import Integration, Tenant
from reconcile.tenants import TenantSettings


def job_store(engine: Engine) -> SQLAlchemyJobStore:
    """APScheduler's store over the table our migrations create (see `schedule_tables`)."""
    return SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)


def desired_jobs(context: Context, tenant_id: str | None = None) -> list[plan.Planned]:
    """Every job the database asks for (or one tenant's): a sync per connected integration, a digest each."""
    with context.sessions() as session:
        tenants = select(Tenant.id, Tenant.settings)
        integrations = select(Integration.tenant_id, Integration.id).where(Integration.status == "connected")
        if tenant_id is not None:
            tenants = tenants.where(Tenant.id == tenant_id)
            integrations = integrations.where(Integration.tenant_id == tenant_id)
        connected: dict[str, list[int]] = {}
        for tenant, integration in session.execute(integrations):
            connected.setdefault(tenant, []).append(integration)
        jobs = []
        for tenant, settings in session.execute(tenants):
            jobs += plan.desired(tenant, TenantSettings.from_json(settings), connected.get(tenant, []))
        return jobs


def stored_next_runs(engine: Engine, job_ids: list[str]) -> dict[str, datetime | None]:
    """The job store's next run time of each id present (None: paused)."""
    if not job_ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)
                                  .where(apscheduler_jobs.c.id.in_(job_ids)))
        return {job_id: utc_timestamp_to_datetime(stamp) for job_id, stamp in rows}


def next_syncs(services: Services, tenant_id: str) -> dict[int, datetime | None]:
    """Next scheduled sync per connected integration id (UTC)."""
    settings = services.tenants.settings(tenant_id)
    ids = [i.id for i in services.integrations.list(tenant_id, include_disconnected=False)]
    stored = stored_next_runs(services.engine, [plan.sync_job_id(tenant_id, i) for i in ids])
    now = services.context.clock()
    return {i: _overdue(stored.get(plan.sync_job_id(tenant_id, i)), now)
            or plan.next_fire(plan.sync_trigger(tenant_id, i, settings.sync_interval_hours), now) for i in ids}


def next_digest(services: Services, tenant_id: str) -> datetime | None:
    """The next digest, in the tenant's zone (a retry, if one is pending, comes first)."""
    settings = services.tenants.settings(tenant_id)
    stored = stored_next_runs(services.engine, [plan.digest_job_id(tenant_id), plan.retry_job_id(tenant_id)])
    now = services.context.clock()
    planned = _overdue(stored.get(plan.digest_job_id(tenant_id)), now) or plan.next_fire(
        plan.digest_trigger(settings), now)
    moments = [m for m in (planned, stored.get(plan.retry_job_id(tenant_id))) if m is not None]
    return min(moments).astimezone(settings.zone) if moments else None


def _overdue(stored: datetime | None, now: datetime) -> datetime | None:
    return stored if stored is not None and stored <= now else None
