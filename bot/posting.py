"""Posting a report into a channel: summary, details in its thread, then the CSV in that thread.

    posted = post_report(slack, "C123", report, title="Reconciliation — 2026-11-27",
                         csv_name="billrec-2026-11-27.csv", journal=MemoryJournal())

Steps, in order, each recorded in the `journal` as soon as Slack accepted it:

    "parent"            chat.postMessage of the summary cards      → its ts
    "part-1".."part-N"  chat.postMessage into the parent's thread  → each ts
    "csv"               files_upload_v2 into the parent's thread    → the file id

A rerun with the same journal skips every step already recorded and threads the rest under the
recorded parent, so the monthly digest, whose journal is persistent, resumes after a crash and
never posts a part twice. (The one window left is a crash between Slack accepting a post and the
journal recording it; the digest's journal should record in its own committed transaction right
after each call, which keeps that window to one message.) Interactive commands use
`MemoryJournal`. The parts are a pure function of the results, so a rerun over the same
snapshot cuts them the same way.

Posts to one channel are paced (Slack allows about one message per second per channel, with
short bursts); a 429 beyond that is waited out by the client's `RateLimitErrorRetryHandler`. A
5xx or a timeout is not retried: the post may have landed, and the journal plus a rerun is the
safe way to finish.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk import WebClient

from bot.views import report as report_views
from bot.views.report import ReportLike
from reconcile import csvexport
from reconcile.errors import Conflict


class NotMember(Conflict):
    """The bot cannot share files in the channel; the message (mrkdwn) says how to fix it."""

    mrkdwn = True


def require_member(slack: WebClient, channel: str) -> None:
    """Refuse before posting anything when the bot could post the summary but not attach the CSV.

    With `chat:write.public` the bot may post into a public channel it has not joined, but a
    file share always needs membership: better one clear sentence than a summary without its CSV.
    """
    info = slack.conversations_info(channel=channel)["channel"]
    if not info.get("is_member", True) and not info.get("is_im"):
        raise NotMember(f"I am not a member of <#{channel}>, so I cannot attach the CSV there. "
                        "Invite me with `/invite @BillingReconcile` and ask again.")


class Journal(Protocol):
    """Where a posting remembers what Slack already accepted."""

    def done(self, step: str) -> str | None:
        """The value recorded for `step` (a message ts or a file id), or None if not done."""

    def record(self, step: str, value: str) -> None:
        """Remember that `step` is done; `value` is its ts or file id."""


@dataclass
class MemoryJournal:
    """A journal that lives as long as one interactive command."""

    steps: dict[str, str] = field(default_factory=dict)

    def done(self, step: str) -> str | None:
        return self.steps.get(step)

    def record(self, step: str, value: str) -> None:
        self.steps[step] = value


class Pacer:
    """Spaces posts to one channel: a burst of `burst`, then one per `interval` seconds.

    The default keeps 10 % under Slack's "about one message per second per channel", because the
    pacer's clock and Slack's never start a bucket at quite the same instant.

    A token bucket per channel that callers reserve from, so concurrent posters queue up
    fairly. One pacer is shared by every posting in the process (`PACER`); each channel has its
    own bucket, so a digest going to twenty channels slows none of them down.
    """

    def __init__(self, interval: float = 1.1, burst: int = 3, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval, self.burst = interval, burst
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, list[float]] = {}  # channel → [tokens, updated]

    def wait(self, channel: str) -> None:
        """Return when one more post to `channel` fits the pace (at once inside the burst)."""
        if self.interval <= 0:
            return
        with self._lock:
            now = self._clock()
            tokens, updated = self._buckets.get(channel, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - updated) / self.interval) - 1
            self._buckets[channel] = [tokens, now]
        if tokens < 0:
            self._sleep(-tokens * self.interval)


PACER = Pacer()


@dataclass(frozen=True)
class Posted:
    channel: str
    parent_ts: str
    part_ts: tuple[str, ...]
    file_id: str | None


def post_report(slack: WebClient, channel: str, report_like: ReportLike, *, title: str, csv_name: str,
                journal: Journal, note: str = "", pacer: Pacer = PACER) -> Posted:
    """Post the summary, its details in the thread, then the CSV in the thread; see the module docstring.

    Args:
        slack: a WebClient with the team's bot token.
        channel: a channel id (files need an id, not a name).
        report_like: the results, their sources and summary (a `Report`: `reconciler.run(...)` or `snapshots.report(...)`).
        title: the summary's header (plain text).
        csv_name: the CSV's file name.
        journal: what was already posted; `MemoryJournal()` for a one-off.
        note: an extra context line under the cards (who asked, which snapshot).
        pacer: spaces the posts to this channel (default: the process-wide `PACER`).
    """
    parent_ts = journal.done("parent")
    if parent_ts is None:
        pacer.wait(channel)
        answer = slack.chat_postMessage(channel=channel, text=report_views.summary_text(report_like, title=title),
                                         blocks=report_views.summary_blocks(report_like, title=title, note=note))
        parent_ts = str(answer["ts"])
        journal.record("parent", parent_ts)
    parts = []
    for number, part in enumerate(report_views.detail_parts(report_like.results), start=1):
        step = f"part-{number}"
        posted = journal.done(step)
        if posted is None:
            pacer.wait(channel)
            answer = slack.chat_postMessage(channel=channel, thread_ts=parent_ts, text=part.text, blocks=part.blocks)
            posted = str(answer["ts"])
            journal.record(step, posted)
        parts.append(posted)
    file_id = journal.done("csv")
    if file_id is None:
        answer = slack.files_upload_v2(
            channel=channel, thread_ts=parent_ts, content=csvexport.to_text(report_like.results),
            filename=csv_name, title=csv_name,
            initial_comment=f"The full report as CSV: {len(report_like.results)} results.")
        file_id = str((answer.get("file") or {}).get("id") or answer["files"][0]["id"])
        journal.record("csv", file_id)
    return Posted(channel, parent_ts, tuple(parts), file_id)
