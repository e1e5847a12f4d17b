"""The monthly digest: sync everything, freeze a snapshot, post it into the billing channel, exactly once.

Steps, each recorded in the digest journal (`reconcile.schedule.journal`) for the tenant and
period before the next one starts; the first three are `reconcile.schedule.digest`'s:

    syncs       every connected integration synced (outcomes kept, so a rerun says the same)
    snapshot    the snapshot taken (trigger "monthly"); a rerun reuses it, never takes another
    previous    the snapshot it is compared with (last month's digest, else the latest earlier one)
    parent, part-1 … part-N, csv        `bot.posting.post_report`: summary, details, CSV in the thread
    changes     what changed since the previous snapshot, in the thread
    review      the review loop: open items by age, fixes and the money they recovered, acknowledgements
                ending this month, fixes that did not arrive (`reconcile.reviews.Reviews.loop`)
    chart       a PNG of under- and over-billed money per month, in the thread
    done        the parent's ts; a rerun of a finished digest posts nothing

Sources that are stale or whose sync failed are named at the top (the header says how many;
the note under the cards says which and why); the reconciler has already marked their checks
`stale` instead of comparing them.

A step that was in flight when a run stopped (a crash, a 5xx, a timeout) is looked for in the
channel before it is redone (`bot.schedule.lookup.ChannelLookup`), so a rerun never posts a
part twice. Slack 5xx answers are not retried inside a run: the job fails and its retry,
minutes later, resumes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from bot import chart, posting
from bot import text as terminal
from bot.schedule.lookup import ChannelLookup, Expected
from bot.schedule.runtime import Runtime
from bot.views import report as report_views
from bot.views.format import context, money, name, quantity, section, signed
from bot.views.lists import who
from reconcile.changes import Changes
from reconcile.checks import CheckResult, renewals_due
from reconcile.reviews import Loop
from reconcile.audit import Actor
from reconcile.schedule import ACTOR, plan
from reconcile.schedule.digest import Digest, compared_period, not_fresh
from reconcile.schedule.journal import DigestJournal

log = logging.getLogger(__name__)

MAX_LINES = 25  # per list in the "what changed" message; the CSV has everything


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


def changes_message(found: Changes | None, previous_period: str | None,
                    renewing: Sequence[CheckResult] = ()) -> tuple[str, list[dict]]:
    """The thread message: money trend, new under-billing, resolved items; and the renewals due within
    30 days that still carry unassigned seats (only when there are some: two-sided checks have none)."""
    if found is None or previous_period is None:
        text = "What changed: this is the first monthly digest, so there is nothing to compare with yet."
        text, blocks = text, [section(text)]
        return _with_renewals(text, blocks, renewing)
    month = plan.month_name(previous_period)
    text = (f"What changed since {month}: {len(found.new_under)} new under-billing, "
            f"{len(found.resolved)} resolved")
    blocks = [section(f"*What changed since {month}*\n{trend_line(found, previous_period)}")]
    lines = [f"• *{name(r.client)}* — {name(r.check, 100)}: *{signed(r.variance, r.unit)}*"
             + (f" · {money(r.impact)}/mo" if r.impact is not None else "") for r in found.new_under]
    blocks += _listed(f"*New under-billing ({len(found.new_under)})*", lines, "none")
    lines = [f"• *{name(now.client)}* — {name(now.check, 100)}: was {signed(old.variance, old.unit)} "
             f"{old.status.label}, now matched" for old, now in found.resolved]
    blocks += _listed(f"*Resolved ({len(found.resolved)})*", lines, "none")
    if found.storage:  # only where a storage check exists, so other digests read as before
        lines = [f"• *{name(now.client)}* — {name(check, 100)}: {trend} used, billed {quantity(now.billed, now.unit)}"
                 for old, now in found.storage for check, trend in terminal.storage_trends((old, now)).items()]
        blocks += _listed(f"*Storage used since {month} ({len(found.storage)})*", lines, "none")
    return _with_renewals(text, blocks, renewing)


def _with_renewals(text: str, blocks: list[dict], renewing: Sequence[CheckResult]) -> tuple[str, list[dict]]:
    """"Renewals in the next 30 days with unassigned seats": reduce them before they renew for another term."""
    if not renewing:
        return text, blocks
    lines = [f"• *{name(r.client)}* — {name(r.check, 100)}: {quantity(-(r.buying_variance or 0))} unassigned "
             f"seat(s), renews {r.renews_on.isoformat() if r.renews_on else ''}"
             + (f" · {money(r.buying_impact)}/mo at cost" if r.buying_impact is not None and r.bought_at_cost
                else f" · {money(r.buying_impact)}/mo" if r.buying_impact is not None else "")
             + f" · {name(r.reducible, 200)}" for r in renewing]
    heading = f"*Renewals in the next 30 days with unassigned seats ({len(renewing)})*"
    return f"{text}; {len(renewing)} renewals due with unassigned seats", blocks + _listed(heading, lines, "none")


AGES = ((0, "new this month"), (1, "1 month"), (3, "2–3 months"), (None, "older"))  # upper bounds, in months


def months_between(since: str, period: str) -> int:
    (y0, m0), (y1, m1) = ((int(x) for x in p.split("-")) for p in (since, period))
    return (y1 - y0) * 12 + (m1 - m0)


def age_bucket(months: int) -> str:
    return next(label for bound, label in AGES if bound is None or months <= bound)


def loop_message(loop: Loop, period: str, previous_period: str | None) -> tuple[str, list[dict]]:
    """The thread message on the review loop: what is still open and for how long, and what decisions came to."""
    since = f"since {plan.month_name(previous_period)}" if previous_period else "so far"
    text = (f"Review loop: {len(loop.open_items)} open, {len(loop.fixed)} fixed {since} "
            f"({money(loop.recovered)}/mo recovered), {len(loop.expiring)} acknowledgements ending this month, "
            f"{len(loop.reopened)} re-opened")
    aged = sorted(((months_between(i.open_since, period), i) for i in loop.open_items),
                  key=lambda pair: (-pair[0], -(abs(pair[1].impact) if pair[1].impact is not None else 0)))
    counts = {label: sum(1 for months, _ in aged if age_bucket(months) == label) for _, label in AGES}
    by_age = " · ".join(f"{label} {n}" for label, n in counts.items())
    pending = f" · {loop.pending} fixes pending, not counted as open" if loop.pending else ""
    blocks = [section(f"*The review loop*\nOpen items by age: {by_age}{pending}")]
    lines = [f"• *{name(i.client)}* — {name(i.check, 100)}: *{signed(i.variance, i.unit)}*"
             + (f" · {money(i.impact)}/mo" if i.impact is not None else "")
             + f" · open since {plan.month_name(i.open_since)}" for _, i in aged]
    blocks += _listed(f"*Open, oldest first ({len(aged)})*", lines, "none: every variance is decided")
    lines = [f"• *{name(f.client)}* — {name(f.check, 100)}: billed {quantity(f.billed_before)} → "
             f"{quantity(f.billed_after or f.billed_before)}"
             + (f" · {money(f.recovered)}/mo recovered" if f.recovered is not None else "") for f in loop.fixed]
    blocks += _listed(f"*Fixed {since} ({len(loop.fixed)})* · {money(loop.recovered)}/mo recovered", lines, "none")
    lines = [f"• *{name(e.client)}* — {name(e.check, 100)}: {name(e.reason, 150)} (until {e.until}, "
             f"by {who(e.created_by)})" for e in loop.expiring]
    blocks += _listed(f"*Acknowledged, ending this month ({len(loop.expiring)})*", lines, "none")
    lines = [f"• *{name(f.client)}* — {name(f.check, 100)}: the billing fix {who(f.created_by)} promised by "
             f"{f.expected_by} did not arrive; open again" for f in loop.reopened]
    blocks += _listed(f"*Re-opened: a fix did not arrive ({len(loop.reopened)})*", lines, "none")
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


def title_of(period: str, warned: Sequence[str]) -> str:
    title = f"Monthly billing digest · {plan.month_name(period)}"
    if warned:
        title = f"⚠ {title} · {len(warned)} source{'s' if len(warned) != 1 else ''} not fresh"
    return title


def run(rt: Runtime, tenant_id: str, period: str, actor: Actor = ACTOR) -> str:
    """Do every step not yet done for the tenant's period; returns what happened, in words.

    `actor` is who asked: the scheduler, or a person running `billrec digest` by hand (then "manual").
    """
    services = rt.services
    journal = DigestJournal(services.context.sessions, tenant_id, period, rt.now, in_flight=rt.in_flight)
    if journal.value("done") is not None:
        return "skipped: already posted"
    month = Digest(services, journal, actor)
    syncs = month.syncs()
    snapshot = month.snapshot()
    previous = month.previous(snapshot)

    tenant_settings = services.tenants.settings(tenant_id)
    if not tenant_settings.billing_channel:
        log.warning("digest %s %s: no billing channel set; snapshot #%s taken, nothing posted",
                    tenant_id, period, snapshot.id)
        journal.record("skipped", "no billing channel set")
        return "skipped: no billing channel set (snapshot taken)"
    slack = rt.slack(tenant_id)
    if slack is None:
        log.warning("digest %s %s: Slack is not set up; snapshot #%s taken, nothing posted",
                    tenant_id, period, snapshot.id)
        return "skipped: Slack is not set up (snapshot taken)"
    channel = tenant_settings.billing_channel

    report = services.snapshots.report(tenant_id, snapshot.id)
    results = report.results
    found = month.changes(previous, results)
    previous_period = compared_period(period, previous)
    warned = not_fresh(report.sources, syncs)
    title = title_of(period, warned)
    note_lines = [f":warning: Not fresh, their checks are marked stale: {name('; '.join(warned), 1500)}"] if warned else []
    note = "\n".join([*note_lines, trend_line(found, previous_period), f"Snapshot #{snapshot.id}"])
    csv_name, chart_name = f"billrec-{period}.csv", f"billrec-{period}-trend.png"
    renewing = renewals_due(results, report.generated_at.astimezone(tenant_settings.zone).date())
    changes_text, changes_blocks = changes_message(found, previous_period, renewing)
    loop_text, loop_blocks = loop_message(
        services.reviews.loop(tenant_id, snapshot.id, previous.taken_at if previous else None), period,
        previous_period)
    expected = {"parent": Expected(text=report_views.summary_text(report, title=title)),
                "csv": Expected(filename=csv_name), "chart": Expected(filename=chart_name),
                "changes": Expected(text=changes_text), "review": Expected(text=loop_text)}
    for number, part in enumerate(report_views.detail_parts(results), start=1):
        expected[f"part-{number}"] = Expected(text=part.text)
    journal.lookup = ChannelLookup(slack, channel, expected, parent=lambda: journal.value("parent"))

    if journal.value("parent") is None:
        posting.require_member(slack, channel)
    posted = posting.post_report(slack, channel, report, title=title, csv_name=csv_name, journal=journal,
                                 note=note, pacer=rt.pacer)
    if journal.done("changes") is None:
        rt.pacer.wait(channel)
        answer = slack.chat_postMessage(channel=channel, thread_ts=posted.parent_ts, text=changes_text,
                                        blocks=[*changes_blocks, context(f"Snapshot #{snapshot.id}")])
        journal.record("changes", str(answer["ts"]))
    if journal.done("review") is None:
        rt.pacer.wait(channel)
        answer = slack.chat_postMessage(channel=channel, thread_ts=posted.parent_ts, text=loop_text,
                                        blocks=[*loop_blocks, context(f"Snapshot #{snapshot.id}")])
        journal.record("review", str(answer["ts"]))
    if journal.done("chart") is None:
        png = chart.money_by_month(month.months(snapshot))
        answer = slack.files_upload_v2(channel=channel, thread_ts=posted.parent_ts, content=png,
                                       filename=chart_name, title=f"Money at stake by month, to {period}")
        journal.record("chart", str((answer.get("file") or {}).get("id") or answer["files"][0]["id"]))
    journal.record("done", posted.parent_ts)
    return f"posted to {channel}: {len(posted.part_ts)} thread parts, CSV and chart"
