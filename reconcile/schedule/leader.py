"""Which clock process leads, as it last reported itself, and the nudges other processes leave it.

    state = ClockState(context)
    state.beat("host:42", since)     # the leader, every poll: "still here"
    state.nudge("U_ADMIN")           # a web or CLI process after a change: "resync soon"
    state.nudged_at()                # the leader compares this with the last one it saw
    state.running()                  # did a clock report in recently? (else nothing runs on schedule)

The rows are for status and tests; leadership itself is the named lock `LEADER`
(`reconcile.schedule.locks`), which dies with its process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from reconcile.context import Context
from reconcile.schedule_tables import ClockLeader

LEADER = "clock"  # the lock and the status row
NUDGE = "resync"  # the row other processes touch after a change
STALE_BEAT = timedelta(minutes=2)  # a leader that has not reported for this long is presumed gone


@dataclass(frozen=True)
class Leader:
    holder: str  # host:pid
    since: datetime
    beat_at: datetime


class ClockState:
    def __init__(self, context: Context) -> None:
        self.context = context

    def beat(self, holder: str, since: datetime) -> None:
        """The leader reports itself (who, leading since when, now)."""
        self._touch(LEADER, holder, since)

    def nudge(self, who: str) -> None:
        """Tell the leader something changed; it resyncs within a poll."""
        self._touch(NUDGE, who, None)

    def nudged_at(self) -> datetime | None:
        with self.context.sessions() as session:
            return session.scalar(select(ClockLeader.beat_at).where(ClockLeader.name == NUDGE))

    def leader(self) -> Leader | None:
        with self.context.sessions() as session:
            row = session.get(ClockLeader, LEADER)
            return Leader(row.holder, row.since, row.beat_at) if row else None

    def running(self) -> bool:
        """Whether a clock process reported in within `STALE_BEAT`."""
        found = self.leader()
        return found is not None and self.context.clock() - found.beat_at < STALE_BEAT

    def _touch(self, name: str, holder: str, since: datetime | None) -> None:
        now = self.context.clock()
        with self.context.sessions.begin() as session:
            row = session.get(ClockLeader, name)
            if row is None:
                session.add(ClockLeader(name=name, holder=holder, since=since or now, beat_at=now))
            else:
                row.holder, row.beat_at = holder, now
                if since is not None:
                    row.since = since
