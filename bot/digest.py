"""The monthly digest: sync everything, freeze a snapshot, post it into the billing channel, exactly once.

Steps, each recorded in the digest journal (`bot.schedule.journal`) for the tenant and period
before the next one starts:

    syncs       every connected integration synced (outcomes kept, so a rerun says the same)
    snapshot    the snapshot taken (trigger "monthly"); a rerun reuses it, never takes another
    previous    the snapshot it is compared with (last month's digest, else the latest earlier one)
    parent, part-1 … part-N, csv        `bot.posting.post_report`: summary, details, CSV in the thread
    changes     what changed since the previous snapshot, in the thread
    chart       a PNG of under- and over-billed money per month, in the thread
    done        the parent's ts; a rerun of a finished digest posts nothing

Sources that are stale or whose sync failed are named at the top (the header says how many;
the note under the cards says which and why); the reconciler has already marked their checks
`stale` instead of comparing them.

A step that was in flight when a run stopped (a crash, a 5xx, a timeout) is looked for in the
channel before it is redone (`ChannelLookup`), so a rerun never posts a part twice. Slack 5xx
answers are not retried inside a run: the job fails and its retry, minutes later, resumes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot import chart, posting
from bot.schedule import plan
from bot.schedule.journal import ChannelLookup, DigestJournal, Expected
from bot.schedule.runtime import ACTOR, Runtime
from bot.views import report as report_views
from bot.views.format import context, money, name, section, signed
from reconcile import checks
from reconcile.checks import CheckResult, Status
from reconcile.errors import Conflict, NotFound
from reconcile.snapshots import SnapshotInfo

log = logging.getLogger(__name__)

CHART_MONTHS = 12
MAX_LINES = 25  # per list in the "what changed" message; the CSV has everything


@dataclass(frozen=True)
class Changes:
    """Month over month: what newly went under, what got fixed, and the money then and now."""

    new_under: tuple[CheckResult, ...]
    resolved: tuple[tuple[CheckResult, CheckResult], ...]  # (before, now)
    under_money: tuple[Decimal, Decimal]  # (before, now)
    over_money: tuple[Decimal, Decimal]


def changes(previous: Sequence[CheckResult], current: Sequence[CheckResult]) -> Changes:
    """Compare two snapshots' results by client and check."""
    before = {(r.client, r.check): r for r in previous}
    new_under = tuple(r for r in current if r.status is Status.UNDER and (
        (r.client, r.check) not in before or before[(r.client, r.check)].status is not Status.UNDER))
    now = {(r.client, r.check): r for r in current}
    resolved = tuple((old, now[key]) for key, old in before.items()
                     if old.status in (Status.UNDER, Status.OVER) and key in now and now[key].status is Status.MATCHED)
    old_summary, new_summary = checks.summarise(list(previous)), checks.summarise(list(current))
    return Changes(new_under, resolved, (old_summary.under_money, new_summary.under_money),
                   (old_summary.over_money, new_summary.over_money))


def trend(before: Decimal, now: Decimal) -> str:
    delta = now - before
    if delta == 0:
        return "unchanged"
    return f"{'up' if delta > 0 else 'down'} {money(abs(delta))}"


def trend_line(found: Changes | None, previous_period: str | None) -> str:
    if found is None or previous_period is None:
        return "First monthly digest: nothing to compare with yet."
    return (f"Since {plan.month_name(previous_period)}: unbilled {money(found.under_money[1])}/mo "
            f"({trend(*found.under_money)}) · overbilled {money(found.over_money[1])}/mo ({trend(*found.over_money)})")


def changes_message(found: Changes | None, previous_period: str | None) -> tuple[str, list[dict]]:
    """The thread message: money trend, new under-billing, resolved items."""
    if found is None or previous_period is None:
        text = "What changed: this is the first monthly digest, so there is nothing to compare with yet."
        return text, [section(text)]
    month = plan.month_name(previous_period)
    text = (f"What changed since {month}: {len(found.new_under)} new under-billing, "
            f"{len(found.resolved)} resolved")
    blocks = [section(f"*What changed since {month}*\n{trend_line(found, previous_period)}")]
    lines = [f"• *{name(r.client)}* — {name(r.check, 100)}: *{signed(r.variance)}*"
             + (f" · {money(r.impact)}/mo" if r.impact is not None else "") for r in found.new_under]
    blocks += _listed(f"*New under-billing ({len(found.new_under)})*", lines, "none")
    lines = [f"• *{name(now.client)}* — {name(now.check, 100)}: was {signed(old.variance)} "
             f"{old.status.label}, now matched" for old, now in found.resolved]
    blocks += _listed(f"*Resolved ({len(found.resolved)})*", lines, "none")
    return text, blocks


def _listed(heading: str, lines: list[str], empty: str) -> list[dict]:
    if not lines:
        return [section(f"{heading}\n{empty}")]
    shown = lines[:MAX_LINES]
    if len(lines) > MAX_LINES:
        shown.append(f"…and {len(lines) - MAX_LINES} more (every result is in the CSV)")
    out, current = [], heading
    for line in shown:
        if len(current) + 1 + len(line) > 2800:
            out.append(section(current))
            current = heading + " (continued)"
        current += "\n" + line
    out.append(section(current))
    return out


def warnings(snapshot: SnapshotInfo, syncs: Sequence[dict[str, str]]) -> list[str]:
    """One line per source that is not fresh or whose sync before the digest did not succeed."""
    lines = [f"{s.get('integration')}: {s.get('reason') or 'stale'}" for s in snapshot.sources
             if s.get("status") == "stale"]
    named = {s.get("integration") for s in snapshot.sources if s.get("status") == "stale"}
    lines += [f"{o['integration']}: sync {o['status']} ({o['message']})" for o in syncs
              if o["status"] not in ("succeeded", "busy") and o["integration"] not in named]
    return lines


def title_of(period: str, warned: Sequence[str]) -> str:
    title = f"Monthly billing digest · {plan.month_name(period)}"
    if warned:
        title = f"⚠ {title} · {len(warned)} source{'s' if len(warned) != 1 else ''} not fresh"
    return title


def run(rt: Runtime, tenant_id: str, period: str) -> str:
    """Do every step not yet done for the tenant's period; returns what happened, in words."""
    services = rt.services
    journal = DigestJournal(services.context.sessions, tenant_id, period, rt.now, in_flight=rt.in_flight)
    if journal.value("done") is not None:
        return "skipped: already posted"
    syncs = _sync_all(rt, journal, tenant_id)
    snapshot_id = journal.value("snapshot")
    if snapshot_id is None:
        snapshot_id = str(services.snapshots.take(tenant_id, ACTOR, trigger="monthly", period=period).id)
        journal.record("snapshot", snapshot_id)
    previous_id = journal.value("previous")
    if previous_id is None:
        previous_id = str(_previous(rt, tenant_id, period, int(snapshot_id)) or "")
        journal.record("previous", previous_id)

    settings = services.tenants.settings(tenant_id)
    if not settings.billing_channel:
        log.warning("digest %s %s: no billing channel set; snapshot #%s taken, nothing posted",
                    tenant_id, period, snapshot_id)
        journal.record("skipped", "no billing channel set")
        return "skipped: no billing channel set (snapshot taken)"
    client = rt.slack(tenant_id)
    if client is None:
        log.warning("digest %s %s: Slack is not set up; snapshot #%s taken, nothing posted",
                    tenant_id, period, snapshot_id)
        return "skipped: Slack is not set up (snapshot taken)"
    channel = settings.billing_channel

    snapshot = _info(rt, tenant_id, int(snapshot_id))
    report = services.snapshots.report(tenant_id, snapshot.id)
    results = report.results
    previous = _info(rt, tenant_id, int(previous_id)) if previous_id else None
    found = changes(services.snapshots.results(tenant_id, previous.id), results) if previous else None
    previous_period = plan.previous_period(period) if previous and previous.period >= period else (
        previous.period if previous else None)
    warned = warnings(snapshot, syncs)
    title = title_of(period, warned)
    note_lines = [f":warning: Not fresh, their checks are marked stale: {name('; '.join(warned), 1500)}"] if warned else []
    note = "\n".join([*note_lines, trend_line(found, previous_period), f"Snapshot #{snapshot.id}"])
    csv_name, chart_name = f"billrec-{period}.csv", f"billrec-{period}-trend.png"
    changes_text, changes_blocks = changes_message(found, previous_period)
    expected = {"parent": Expected(text=report_views.summary_text(report, title=title)),
                "csv": Expected(filename=csv_name), "chart": Expected(filename=chart_name),
                "changes": Expected(text=changes_text)}
    for number, part in enumerate(report_views.detail_parts(results), start=1):
        expected[f"part-{number}"] = Expected(text=part.text)
    journal.lookup = ChannelLookup(client, channel, expected, parent=lambda: journal.value("parent"))

    if journal.value("parent") is None:
        posting.require_member(client, channel)
    posted = posting.post_report(client, channel, report, title=title, csv_name=csv_name, journal=journal,
                                 note=note, pacer=rt.pacer)
    if journal.done("changes") is None:
        rt.pacer.wait(channel)
        answer = client.chat_postMessage(channel=channel, thread_ts=posted.parent_ts, text=changes_text,
                                         blocks=[*changes_blocks, context(f"Snapshot #{snapshot.id}")])
        journal.record("changes", str(answer["ts"]))
    if journal.done("chart") is None:
        png = chart.money_by_month(_months(rt, tenant_id, period, snapshot))
        answer = client.files_upload_v2(channel=channel, thread_ts=posted.parent_ts, content=png,
                                        filename=chart_name, title=f"Money at stake by month, to {period}")
        journal.record("chart", str((answer.get("file") or {}).get("id") or answer["files"][0]["id"]))
    journal.record("done", posted.parent_ts)
    return f"posted to {channel}: {len(posted.part_ts)} thread parts, CSV and chart"


def _sync_all(rt: Runtime, journal: DigestJournal, tenant_id: str) -> list[dict[str, str]]:
    recorded = journal.value("syncs")
    if recorded is not None:
        return list(json.loads(recorded))
    outcomes = []
    for info in rt.services.integrations.list(tenant_id, include_disconnected=False):
        try:
            outcome = rt.services.syncs.run(tenant_id, info.name, ACTOR, trigger="monthly")
            outcomes.append({"integration": info.name, "status": outcome.status, "message": outcome.message})
        except Conflict as busy:  # a scheduled sync of it is running right now: its data will be fresh
            outcomes.append({"integration": info.name, "status": "busy", "message": busy.message})
        except Exception as error:  # one vendor's failure must not stop the digest; it is named at the top
            log.exception("digest %s: sync of %s failed", tenant_id, info.name)
            outcomes.append({"integration": info.name, "status": "failed", "message": type(error).__name__})
    journal.record("syncs", json.dumps(outcomes))
    return outcomes


def _info(rt: Runtime, tenant_id: str, snapshot_id: int) -> SnapshotInfo:
    for info in rt.services.snapshots.list(tenant_id):
        if info.id == snapshot_id:
            return info
    raise NotFound(f"no snapshot #{snapshot_id}")


def _previous(rt: Runtime, tenant_id: str, period: str, current_id: int) -> int | None:
    """Last month's digest snapshot, else the newest snapshot of an earlier month (monthly first)."""
    last = DigestJournal(rt.services.context.sessions, tenant_id, plan.previous_period(period), rt.now).value("snapshot")
    if last:
        return int(last)
    earlier = [s for s in rt.services.snapshots.list(tenant_id) if s.id < current_id and s.period < period]
    monthly = [s for s in earlier if s.trigger == "monthly"]
    return (monthly or earlier)[0].id if earlier else None


def _months(rt: Runtime, tenant_id: str, period: str, current: SnapshotInfo) -> list[chart.Month]:
    """The newest snapshot of each earlier month, then this digest's, at most `CHART_MONTHS`."""
    latest: dict[str, SnapshotInfo] = {}
    for info in rt.services.snapshots.list(tenant_id):  # newest first
        if info.id < current.id and info.period < period:
            latest.setdefault(info.period, info)
    months = [(p, s.summary.under_money, s.summary.over_money) for p, s in sorted(latest.items())]
    months.append((period, current.summary.under_money, current.summary.over_money))
    return months[-CHART_MONTHS:]
