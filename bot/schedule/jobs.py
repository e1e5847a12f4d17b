"""The scheduled jobs: plain functions of ids, which APScheduler stores by name.

    sync_integration("T1", 3)     # one integration's scheduled sync, then alerts
    monthly_digest("T1")          # the month's snapshot and digest (resumes; posts nothing twice)

Every run is recorded in `job_runs` with the slot it serves (the scheduled time) and runs under
a lock named after the job, so the same job never runs in two processes at once, whoever
started it (the clock, a standby that just took over, `billrec digest` by hand). A run that
finds its slot already served skips: a sync whose integration was synced since the slot began,
a digest whose journal says done.

A failed digest is retried by a one-off job (`digest-retry:<tenant>`) after 5, 15, 45 and 135
minutes; it resumes from the journal. A clock that takes over (or restarts) finds digests left
`running` by a dead process and schedules their retry at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, select

from bot import alerts, digest
from bot.schedule import plan, runtime
from bot.schedule.runtime import ACTOR, Runtime
from connectors.redact import redact
from reconcile.errors import Conflict
from reconcile.schedule_tables import JobRun
from reconcile.tables import Integration

log = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=45), timedelta(minutes=135))


def sync_integration(tenant_id: str, integration_id: int) -> str:
    """APScheduler entry point: the scheduled sync of one integration."""
    return run_sync(runtime.current(), tenant_id, integration_id)


def monthly_digest(tenant_id: str) -> str:
    """APScheduler entry point: this month's snapshot and digest (also the retry's)."""
    return run_digest(runtime.current(), tenant_id)


def run_sync(rt: Runtime, tenant_id: str, integration_id: int) -> str:
    with rt.services.context.sessions() as session:
        integration = session.get(Integration, integration_id)
        if integration is None or integration.tenant_id != tenant_id or integration.status != "connected":
            return "skipped: not a connected integration"
        name, last_attempt = integration.name, integration.last_attempt_at
    settings = rt.services.tenants.settings(tenant_id)
    slot = plan.sync_slot(tenant_id, integration_id, settings.sync_interval_hours, rt.now())

    def work() -> str:
        if last_attempt is not None and last_attempt >= slot:
            return f"skipped: synced at {last_attempt:%Y-%m-%d %H:%M} UTC, inside this slot"
        try:
            outcome = rt.services.syncs.run(tenant_id, name, ACTOR, trigger="schedule")
        except Conflict as busy:
            return f"skipped: {busy.message}"
        if outcome.ok:
            alerted = alerts.after_sync(rt, tenant_id)
            return f"succeeded; {alerted} new alert(s)" if alerted else "succeeded"
        return f"{outcome.status}: {outcome.message}"

    return recorded(rt, plan.sync_job_id(tenant_id, integration_id), "sync", tenant_id, slot, work)


def run_digest(rt: Runtime, tenant_id: str, period: str | None = None) -> str:
    settings = rt.services.tenants.settings(tenant_id)
    slot = plan.digest_slot(settings, rt.now())
    period = period or plan.period_of(settings, slot)
    try:
        return recorded(rt, plan.digest_job_id(tenant_id), "digest", tenant_id, slot,
                        lambda: digest.run(rt, tenant_id, period))
    except Exception:
        schedule_retry(rt, tenant_id, slot)
        raise


def recorded(rt: Runtime, job_id: str, kind: str, tenant_id: str, slot: datetime, work: Callable[[], str]) -> str:
    """Run `work` under the job's lock, recorded in `job_runs`; skip if another process runs it."""
    held = rt.locks.try_acquire(f"job:{job_id}")
    if held is None:
        log.info("%s: already running in another process; skipped", job_id)
        return "skipped: running elsewhere"
    try:
        with rt.services.context.sessions.begin() as session:
            run = JobRun(job_id=job_id, kind=kind, tenant_id=tenant_id, slot=slot, started_at=rt.now(),
                         status="running", runner=rt.runner)
            session.add(run)
            session.flush()
            run_id = run.id
        status, detail = "failed", ""
        try:
            detail = work()
            status = "skipped" if detail.startswith("skipped") else "succeeded"
            if detail.startswith(("failed", "held")):
                status = detail.split(":", 1)[0]
            # a failed sync logs itself at info only (its caller reports it); here the log is the report
            (log.warning if status == "failed" else log.info)("%s: %s", job_id, detail)
            return detail
        except Exception as error:
            detail = redact(f"{type(error).__name__}: {error}")[:2000]
            raise
        finally:
            with rt.services.context.sessions.begin() as session:
                run = session.get(JobRun, run_id)
                run.status, run.detail, run.finished_at = status, detail, rt.now()
    finally:
        held.release()


def schedule_retry(rt: Runtime, tenant_id: str, slot: datetime, *, at: datetime | None = None) -> datetime | None:
    """A one-off rerun of a failed digest, if this process has a scheduler and retries are left."""
    if rt.scheduler is None:
        return None
    with rt.services.context.sessions() as session:
        failures = session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.job_id == plan.digest_job_id(tenant_id), JobRun.slot == slot,
            JobRun.status.in_(("failed", "interrupted"))))
    if at is None:
        if failures > len(RETRY_DELAYS):
            log.error("digest %s: failed %d times; no more retries (run `billrec digest` to resume)",
                      tenant_id, failures)
            return None
        at = rt.now() + RETRY_DELAYS[max(0, failures - 1)]
    rt.scheduler.add_job(plan.DIGEST_FUNC, DateTrigger(at), args=(tenant_id,), id=plan.retry_job_id(tenant_id),
                         name=plan.retry_job_id(tenant_id), misfire_grace_time=int(plan.DIGEST_GRACE.total_seconds()),
                         coalesce=True, max_instances=1, replace_existing=True, next_run_time=at)
    log.warning("digest %s: retry scheduled at %s", tenant_id, at.isoformat())
    return at


def recover(rt: Runtime) -> list[str]:
    """Runs left `running` by a dead process: mark them interrupted; retry interrupted digests now."""
    recovered = []
    with rt.services.context.sessions() as session:
        stuck = list(session.scalars(select(JobRun).where(JobRun.status == "running")))
    for run in stuck:
        held = rt.locks.try_acquire(f"job:{run.job_id}")
        if held is None:
            continue  # still running somewhere alive
        try:
            with rt.services.context.sessions.begin() as session:
                row = session.get(JobRun, run.id)
                if row.status != "running":
                    continue
                row.status, row.finished_at = "interrupted", rt.now()
                row.detail = f"the process running it ({row.runner}) stopped"
        finally:
            held.release()
        recovered.append(run.job_id)
        if run.kind == "digest" and run.slot is not None:
            schedule_retry(rt, run.tenant_id, run.slot, at=rt.now())
    if recovered:
        log.warning("recovered interrupted runs: %s", ", ".join(recovered))
    return recovered
