"""What each scheduled job run did (`job_runs`): the slot it served, who ran it, how it ended.

    runs = JobRuns(context, locks, runner="host:42")
    runs.run("digest:T1", "digest", "T1", slot, work)   # under the job's lock, recorded; work() → words
    runs.failures("digest:T1", slot)                     # how often that slot failed (the retry's delay)
    runs.recover()                                       # runs a dead process left `running`

Every run holds a lock named after its job, so the same job never runs in two processes at
once, whoever started it (the clock, a standby that just took over, `billrec digest` by hand).
A job says how it went in words ("skipped: already posted", "failed: …", "posted to C1 …");
`status_of` turns those words into its recorded status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select

from connectors.redact import redact
from reconcile.context import Context
from reconcile.schedule.locks import Locks
from reconcile.schedule_tables import JobRun

log = logging.getLogger(__name__)

DETAIL_LIMIT = 2000  # characters of an error kept on the run


class JobStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    HELD = "held"  # a scheduled sync whose totals fell sharply waits for an admin
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"  # its process died mid-run


# what counts against a slot's retries
FAILED = (JobStatus.FAILED, JobStatus.INTERRUPTED)


def status_of(detail: str) -> JobStatus:
    """A finished job's status from its own words: "skipped: …", "failed: …", "held: …", else succeeded."""
    head = detail.split(":", 1)[0]
    for status in (JobStatus.SKIPPED, JobStatus.FAILED, JobStatus.HELD):
        if head == status.value:
            return status
    return JobStatus.SUCCEEDED


def lock_name(job_id: str) -> str:
    return f"job:{job_id}"


@dataclass(frozen=True)
class Interrupted:
    """A run found `running` whose process is gone; now marked interrupted."""

    id: int
    job_id: str
    kind: str
    tenant_id: str
    slot: datetime | None


class JobRuns:
    def __init__(self, context: Context, locks: Locks, runner: str) -> None:
        self.context, self.locks, self.runner = context, locks, runner

    def run(self, job_id: str, kind: str, tenant_id: str, slot: datetime, work: Callable[[], str]) -> str:
        """Run `work` under the job's lock, recorded; "skipped: running elsewhere" if another process has it."""
        held = self.locks.try_acquire(lock_name(job_id))
        if held is None:
            log.info("%s: already running in another process; skipped", job_id)
            return "skipped: running elsewhere"
        try:
            run_id = self._start(job_id, kind, tenant_id, slot)
            status, detail = JobStatus.FAILED, ""
            try:
                detail = work()
                status = status_of(detail)
                # a failed sync logs itself at info only (its caller reports it); here the log is the report
                (log.warning if status is JobStatus.FAILED else log.info)("%s: %s", job_id, detail)
                return detail
            except Exception as error:
                detail = redact(f"{type(error).__name__}: {error}")[:DETAIL_LIMIT]
                raise
            finally:
                self._finish(run_id, status, detail)
        finally:
            held.release()

    def failures(self, job_id: str, slot: datetime) -> int:
        """How many runs of `job_id` for `slot` failed or were interrupted."""
        with self.context.sessions() as session:
            return session.scalar(select(func.count()).select_from(JobRun).where(
                JobRun.job_id == job_id, JobRun.slot == slot, JobRun.status.in_([s.value for s in FAILED])))

    def recover(self) -> list[Interrupted]:
        """Mark interrupted every run left `running` whose job's lock is free (its process died)."""
        with self.context.sessions() as session:
            stuck = [Interrupted(r.id, r.job_id, r.kind, r.tenant_id, r.slot) for r in session.scalars(
                select(JobRun).where(JobRun.status == JobStatus.RUNNING.value))]
        recovered = []
        for run in stuck:
            held = self.locks.try_acquire(lock_name(run.job_id))
            if held is None:
                continue  # still running somewhere alive
            try:
                if self._interrupt(run.id):
                    recovered.append(run)
            finally:
                held.release()
        if recovered:
            log.warning("recovered interrupted runs: %s", ", ".join(r.job_id for r in recovered))
        return recovered

    def _start(self, job_id: str, kind: str, tenant_id: str, slot: datetime) -> int:
        with self.context.sessions.begin() as session:
            run = JobRun(job_id=job_id, kind=kind, tenant_id=tenant_id, slot=slot, started_at=self.context.clock(),
                         status=JobStatus.RUNNING.value, runner=self.runner)
            session.add(run)
            session.flush()
            return run.id

    def _finish(self, run_id: int, status: JobStatus, detail: str) -> None:
        with self.context.sessions.begin() as session:
            run = session.get(JobRun, run_id)
            run.status, run.detail, run.finished_at = status.value, detail, self.context.clock()

    def _interrupt(self, run_id: int) -> bool:
        """Under the job's lock: a run still `running` belongs to a dead process."""
        with self.context.sessions.begin() as session:
            row = session.get(JobRun, run_id)
            if row.status != JobStatus.RUNNING.value:
                return False
            row.status, row.finished_at = JobStatus.INTERRUPTED.value, self.context.clock()
            row.detail = f"the process running it ({row.runner}) stopped"
            return True
