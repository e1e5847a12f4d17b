"""The clock: APScheduler over our job store, kept equal to what the database says should run.

    clock = Clock(rt)
    clock.start()            # the real loop: a BackgroundScheduler, jobs on a small thread pool
    clock.resync()           # add / reschedule / remove jobs to match tenants, settings, integrations

    clock = Clock(rt, stepped=True)
    clock.start()            # tests and `billrec scheduler --once`: no loop, no thread, no wall clock
    clock.step(now)          # run what is due at `now`, inline, exactly as the loop would

Job defaults: `coalesce` (runs missed while down collapse into one), `max_instances=1`, and a
misfire grace per job (a sync: its interval; a digest: 27 days), so a digest missed while the
clock was down runs as soon as it is back.

In-process changes (connect, disconnect, settings) reach the jobs at once through
`services.events`. APScheduler 3 never notices jobs another process writes, so a web process
does not write jobs at all: the leading clock re-reads the desired set from the database every
`resync_every` seconds (30 by default), which is the delay for a change made in a web process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler

from bot.schedule.runtime import Runtime
from reconcile.schedule import plan, timetable

log = logging.getLogger(__name__)

WORKERS = 4  # jobs at once; a digest waits for a free worker, well inside its grace
MANAGED = ("sync:", "digest:")  # job ids this module owns; `digest-retry:` jobs end by themselves


@dataclass
class Resync:
    """What one reconciliation of the job store changed."""

    added: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.rescheduled or self.removed)


@dataclass(frozen=True)
class Ran:
    """One job run by `step`: its id, the run time it served, and how it ended."""

    job_id: str
    run_time: datetime
    outcome: str


class _Threaded(BackgroundScheduler):
    """APScheduler's thread, minus one race: its loop, woken by `shutdown()`, would process due
    jobs once more after the executors stopped, failing to submit them yet moving them on."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


class _Stepped(BaseScheduler):
    """APScheduler without a loop: the job store and triggers only; jobs run through `Clock.step`."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)


class Clock:
    def __init__(self, rt: Runtime, *, stepped: bool = False, workers: int = WORKERS) -> None:
        self.rt = rt
        self.stepped = stepped
        kind = _Stepped if stepped else _Threaded
        self.scheduler = kind(
            jobstores={"default": timetable.job_store(rt.services.engine)},
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(plan.DIGEST_GRACE.total_seconds())},
            timezone=UTC,
        )
        self._listening = False

    def now(self) -> datetime:
        return self.rt.now()

    def start(self) -> Resync:
        """Start APScheduler (stepped: job store only, jobs run through `step`), then resync."""
        self.scheduler.start(paused=self.stepped)
        self.rt.scheduler = self.scheduler
        if not self._listening:
            self._listening = True
            for name in ("integration.connected", "integration.disconnected", "settings.changed"):
                self.rt.services.events.subscribe(name, self._changed)
        return self.resync()

    def shutdown(self, *, wait: bool = False) -> None:
        if self.rt.scheduler is self.scheduler:
            self.rt.scheduler = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    def _changed(self, tenant_id: str, **_: object) -> None:
        if self.scheduler.running:
            self.resync(tenant_id)

    def resync(self, tenant_id: str | None = None) -> Resync:
        """Make the job store hold exactly the desired jobs (for one tenant, or all)."""
        now = self.now()
        wanted = {job.id: job for job in timetable.desired_jobs(self.rt.services.context, tenant_id)}
        existing = {job.id: job for job in self.scheduler.get_jobs() if job.id.startswith(MANAGED)
                    and (tenant_id is None or _tenant_of(job.id) == tenant_id)}
        done = Resync()
        for job_id, job in existing.items():
            if job_id not in wanted:
                self.scheduler.remove_job(job_id)
                done.removed.append(job_id)
        for job_id, planned in wanted.items():
            current = existing.get(job_id)
            if current is not None and _signature(current) == planned.signature:
                continue  # untouched: a run missed while down keeps its (past) next run time
            self.scheduler.add_job(
                planned.func, planned.trigger, args=planned.args, id=job_id, name=job_id, replace_existing=True,
                misfire_grace_time=int(planned.grace.total_seconds()), coalesce=True, max_instances=1,
                next_run_time=plan.next_fire(planned.trigger, now))
            (done.rescheduled if current is not None else done.added).append(job_id)
        if tenant_id is None:  # retries of tenants that no longer exist
            tenants = {_tenant_of(job_id) for job_id in wanted}
            for job in self.scheduler.get_jobs():
                if job.id.startswith("digest-retry:") and _tenant_of(job.id) not in tenants:
                    self.scheduler.remove_job(job.id)
                    done.removed.append(job.id)
        if done.changed:
            log.info("jobs: added %s, rescheduled %s, removed %s", done.added, done.rescheduled, done.removed)
        return done

    def step(self, now: datetime | None = None) -> list[Ran]:
        """Run every job due at `now`, inline and in order, as APScheduler's own loop would.

        This is `BaseScheduler._process_jobs` plus the executor's misfire check with the time
        passed in rather than read from the wall clock: `coalesce` keeps only the latest missed
        run time, a run time older than the job's misfire grace is skipped (APScheduler's
        EVENT_JOB_MISSED), and the job's next run time follows from its trigger. It serves the
        tests (a controllable clock, no threads) and `billrec scheduler --once`.
        """
        now = now or self.now()
        ran: list[Ran] = []
        for job in sorted(self.scheduler.get_jobs(), key=_next_run):
            if job.next_run_time is None or job.next_run_time > now:
                continue
            run_times = job._get_run_times(now)  # APScheduler's own: every fire time up to now
            if run_times and job.coalesce:
                run_times = run_times[-1:]
            for run_time in run_times:
                late = now - run_time
                if job.misfire_grace_time is not None and late > timedelta(seconds=job.misfire_grace_time):
                    log.warning("%s: run time %s missed by %s", job.id, run_time.isoformat(), late)
                    ran.append(Ran(job.id, run_time, "missed"))
                    continue
                ran.append(Ran(job.id, run_time, _call(job.func, job.args, job.kwargs)))
            following = job.trigger.get_next_fire_time(run_times[-1] if run_times else None, now)
            if self.scheduler.get_job(job.id) is None:
                continue  # the job removed or replaced itself meanwhile
            if following is None:
                self.scheduler.remove_job(job.id)
            elif self.scheduler.get_job(job.id).next_run_time == job.next_run_time:
                self.scheduler.modify_job(job.id, next_run_time=following)
        return ran

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}


def _call(func: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]) -> str:
    try:
        return str(func(*args, **kwargs))
    except Exception as error:  # APScheduler logs a failed job and carries on; so does `step`
        log.exception("job failed")
        return f"error: {type(error).__name__}: {error}"


def _next_run(job: Job) -> datetime:
    return job.next_run_time or datetime.max.replace(tzinfo=UTC)


def _tenant_of(job_id: str) -> str:
    return job_id.split(":")[1]


def _signature(job: Job) -> str:
    return f"{job.func_ref}{tuple(job.args)!r}{job.trigger!r}{job.misfire_grace_time}"
