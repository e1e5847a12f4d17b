"""The digest's persistent journal: what was done for a tenant's period, one committed row per step.

It is the journal `bot.posting.post_report` takes (`done`, `record`), plus two things a crash needs:

- `done(step)` returning None means the caller is about to do that step, so the journal first
  writes an `attempt:<step>` marker. A step that has a marker but no value was in flight when
  the last run stopped (a crash, a 5xx, a timeout): the far side may or may not have it.
- For such a step the journal asks a `Lookup` (the digest's `bot.schedule.lookup.ChannelLookup`)
  whether the message or file is there already, and records what it finds instead of doing it again.

    journal = DigestJournal(sessions, "T1", "2026-11", clock)
    journal.done("parent")         # None → marked as attempted; the caller posts
    journal.record("parent", ts)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reconcile.schedule_tables import DigestStep

log = logging.getLogger(__name__)

ATTEMPT = "attempt:"
Lookup = Callable[[str, datetime], "str | None"]
# How long a post that was in flight when a run died may still land in Slack: longer than the
# client's 15 s timeout. A rerun sooner than this after the attempt looks again once it has passed.
IN_FLIGHT = timedelta(seconds=20)


class CannotLook(Exception):
    """The lookup cannot read where it looks (a channel without the history scope): nothing can be found."""


class DigestJournal:
    def __init__(self, sessions: sessionmaker[Session], tenant_id: str, period: str,
                 clock: Callable[[], datetime], lookup: Lookup | None = None, *, in_flight: timedelta = IN_FLIGHT,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.sessions, self.tenant_id, self.period, self.clock = sessions, tenant_id, period, clock
        self.lookup, self.in_flight, self.sleep = lookup, in_flight, sleep

    def value(self, step: str) -> str | None:
        """What was recorded for `step`, with no side effect."""
        with self.sessions() as session:
            return session.scalar(select(DigestStep.value).where(*self._key(step)))

    def steps(self) -> dict[str, str]:
        with self.sessions() as session:
            rows = session.execute(select(DigestStep.step, DigestStep.value).where(
                DigestStep.tenant_id == self.tenant_id, DigestStep.period == self.period).order_by(DigestStep.id))
            return dict(rows.all())

    def done(self, step: str) -> str | None:
        """The recorded value; else what an interrupted attempt left in Slack; else None (and mark the attempt)."""
        recorded = self.value(step)
        if recorded is not None:
            return recorded
        attempted = self.value(ATTEMPT + step)
        if attempted is not None and self.lookup is not None:
            found = self._look(step, datetime.fromisoformat(attempted))
            if found is not None:
                log.info("digest %s %s: %s was posted before the interruption; recorded, not reposted",
                         self.tenant_id, self.period, step)
                self.record(step, found)
                return found
        self._mark(ATTEMPT + step, self.clock().isoformat())
        return None

    def _look(self, step: str, attempted_at: datetime) -> str | None:
        try:
            found = self.lookup(step, attempted_at) if self.lookup else None
            wait = (attempted_at + self.in_flight - self.clock()).total_seconds()
            if found is None and wait > 0:  # the dead run's request may still be on its way in
                log.info("digest %s %s: %s not in the channel yet; looking again in %.1f s",
                         self.tenant_id, self.period, step, wait)
                self.sleep(wait)
                found = self.lookup(step, attempted_at) if self.lookup else None
            return found
        except CannotLook:
            return None

    def record(self, step: str, value: str) -> None:
        """Remember `step` in its own committed transaction; a second, different value is refused."""
        try:
            with self.sessions.begin() as session:
                session.add(DigestStep(tenant_id=self.tenant_id, period=self.period, step=step, value=value,
                                       at=self.clock()))
        except IntegrityError:
            existing = self.value(step)
            if existing != value:
                raise RuntimeError(f"digest {self.tenant_id} {self.period}: {step} already recorded as "
                                   f"{existing!r}, not {value!r}; is another process posting it?") from None

    def _mark(self, step: str, value: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(DigestStep).where(*self._key(step)))
            session.add(DigestStep(tenant_id=self.tenant_id, period=self.period, step=step, value=value,
                                   at=self.clock()))

    def _key(self, step: str) -> tuple[object, ...]:
        return (DigestStep.tenant_id == self.tenant_id, DigestStep.period == self.period, DigestStep.step == step)
