"""The digest's persistent journal: what was done for a tenant's period, one committed row per step.

It is the `bot.posting.Journal` that `post_report` takes, plus two things a crash needs:

- `done(step)` returning None means the caller is about to do that step, so the journal first
  writes an `attempt:<step>` marker. A step that has a marker but no value was in flight when
  the last run stopped (a crash, a 5xx, a timeout): Slack may or may not have it.
- For such a step the journal asks a `Lookup` (the digest's `ChannelLookup`) whether the
  message or file is in the channel already, and records what it finds instead of posting again.

    journal = DigestJournal(sessions, "T1", "2026-11", clock)
    journal.done("parent")         # None → marked as attempted; the caller posts
    journal.record("parent", ts)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
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
    """The channel cannot be read (no history scope, not a member): nothing can be found there."""


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


@dataclass(frozen=True)
class Expected:
    """How to recognise a step in the channel: a message by its exact text, or a file by its name."""

    text: str | None = None
    filename: str | None = None


# How far before the recorded attempt the parent may have landed (Slack ts vs our clock).
CLOCK_SLACK = timedelta(minutes=10)
NO_READ = {"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type"}


class ChannelLookup:
    """Finds a step of ours in the channel: the parent in the history, the rest in its thread.

    Needs `channels:history` (`groups:history` for a private channel). Without it, it says so
    once in the log and finds nothing, so the step is posted again: at most that one message
    can then appear twice.
    """

    def __init__(self, client: WebClient, channel: str, expected: dict[str, Expected],
                 parent: Callable[[], str | None], bot_user: str | None = None) -> None:
        self.client, self.channel, self.expected, self.parent = client, channel, expected, parent
        self.bot_user = bot_user

    def __call__(self, step: str, attempted_at: datetime) -> str | None:
        expected = self.expected.get(step)
        if expected is None:
            return None
        try:
            if step == "parent":
                oldest = (attempted_at - CLOCK_SLACK).timestamp()
                messages = self._all("conversations_history", channel=self.channel, oldest=f"{oldest:.6f}")
            else:
                parent = self.parent()
                if parent is None:
                    return None
                messages = self._all("conversations_replies", channel=self.channel, ts=parent)
        except SlackApiError as error:
            if error.response.get("error") not in NO_READ:
                raise
            log.warning("cannot read <#%s> to check for an interrupted %s (%s); posting it again",
                        self.channel, step, error.response.get("error"))
            raise CannotLook(step) from error
        for message in messages:
            if self.bot_user and message.get("user") not in (None, self.bot_user):
                continue
            if expected.filename:
                for shared in message.get("files") or ():
                    if shared.get("name") == expected.filename:
                        return str(shared["id"])
            elif message.get("text") == expected.text and not message.get("files"):
                return str(message["ts"])
        return None

    def _all(self, method: str, **params: str) -> list[dict]:
        messages: list[dict] = []
        cursor = None
        while True:
            answer = getattr(self.client, method)(limit=200, cursor=cursor, **params)
            messages.extend(answer.get("messages") or [])
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return messages
