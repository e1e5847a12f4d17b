"""When scheduled work happens next, in words: `/billrec status`, `billrec integrations`, the settings.

The moments come from `reconcile.schedule.timetable` (`next_syncs`, `next_digest`).

    describe_digest(moment, "Europe/London")   → "Mon 1 Dec 2026 09:00 GMT (Europe/London)"
    describe_sync(moment)                      → "2026-11-28 05:10 UTC"
"""

from __future__ import annotations

from datetime import datetime


def describe_digest(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "not scheduled"
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b %Y %H:%M %Z')} ({timezone})"


def describe_sync(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "paused"
