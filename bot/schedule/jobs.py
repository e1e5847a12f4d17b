"""The scheduled jobs: plain functions of ids, which APScheduler stores by name.

    sync_integration("T1", 3)     # one integration's scheduled sync, then alerts
    monthly_digest("T1")          # the month's snapshot and digest (resumes; posts nothing twice)

Every run is recorded in `job_runs` with the slot it serves (the scheduled time) and runs under
a lock named after the job (`reconcile.schedule.job_runs`), so the same job never runs in two
processes at once. A run that finds its slot already served skips: a sync whose integration
was synced since the slot began, a digest whose journal says done.

A failed digest is retried by a one-off job (`digest-retry:<tenant>`) after 5, 15, 45 and 135
minutes; it resumes from the journal. A clock that takes over (or restarts) finds digests left
`running` by a dead process and schedules their retry at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.triggers.date import DateTrigger

from bot import alerts, digest
from bot.schedule import runtime
from bot.schedule.runtime import Runtime
from reconcile.audit import Actor
from reconcile.errors import Conflict
from reconcile.schedule import ACTOR, plan

log = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=45), timedelta(minutes=135))


def sync_integration(tenant_id: str, integration_id: int) -> str:
    """APScheduler entry point: the scheduled sync of one integration."""
    return run_sync(runtime.current(), tenant_id, integration_id)


def monthly_digest(tenant_id: str) -> str:
    """APScheduler entry point: this month's snapshot and digest (also the retry's)."""
    return run_digest(runtime.current(), tenant_id)


def run_sync(rt: Runtime, tenant_id: str, integration_id: int) -> str:
    connected = {i.id: i for i in rt.services.integrations.list(tenant_id, include_disconnected=False)}
    integration = connected.get(integration_id)
    if integration is None:
        return "skipped: not a connected integration"
    tenant_settings = rt.services.tenants.settings(tenant_id)
    slot = plan.sync_slot(tenant_id, integration_id, tenant_settings.sync_interval_hours, rt.now())
    last_attempt = integration.last_attempt_at

    def work() -> str:
        if last_attempt is not None and last_attempt >= slot:
            return f"skipped: synced at {last_attempt:%Y-%m-%d %H:%M} UTC, inside this slot"
        try:
            outcome = rt.services.syncs.run(tenant_id, integration.name, ACTOR, trigger="schedule")
        except Conflict as busy:
            return f"skipped: {busy.message}"
        if outcome.ok:
            alerted = alerts.after_sync(rt, tenant_id)
            return f"succeeded; {alerted} new alert(s)" if alerted else "succeeded"
        return f"{outcome.status}: {outcome.message}"

    return rt.runs.run(plan.sync_job_id(tenant_id, integration_id), "sync", tenant_id, slot, work)


def run_digest(rt: Runtime, tenant_id: str, period: str | None = None, actor: Actor = ACTOR) -> str:
    tenant_settings = rt.services.tenants.settings(tenant_id)
    slot = plan.digest_slot(tenant_settings, rt.now())
    period = period or plan.period_of(tenant_settings, slot)
    try:
        return rt.runs.run(plan.digest_job_id(tenant_id), "digest", tenant_id, slot,
                           lambda: digest.run(rt, tenant_id, period, actor))
    except Exception:
        schedule_retry(rt, tenant_id, slot)
        raise


def schedule_retry(rt: Runtime, tenant_id: str, slot: datetime, *, at: datetime | None = None) -> datetime | None:
    """A one-off rerun of a failed digest, if this process has a scheduler and retries are left."""
    if rt.scheduler is None:
        return None
    if at is None:
        failures = rt.runs.failures(plan.digest_job_id(tenant_id), slot)
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
    recovered = rt.runs.recover()
    for run in recovered:
        if run.kind == "digest" and run.slot is not None:
            schedule_retry(rt, run.tenant_id, run.slot, at=rt.now())
    return [run.job_id for run in recovered]
