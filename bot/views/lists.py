"""Short ephemeral answers: help, checks, history, exceptions, settings (status lives in `status`).

Each function returns `(text, blocks)`: the notification text and the blocks, within a
message's limits (long lists are cut with a pointer to where the rest is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

from bot import text as terminal
from bot.views import limits
from bot.views.format import (
    escape,
    money,
    name,
    quantity,
    section,
    signed,
    user,
)
from reconcile.variance_exceptions import ExceptionInfo
from reconcile.checks import COVERAGE, Check
from reconcile.snapshots import HistoryLine
from reconcile.tenants import TenantSettings

Block = dict[str, Any]
Message = tuple[str, list[Block]]
SLACK_ID = re.compile(r"^[UW][A-Z0-9_]{2,}$")  # Slack ids are capitals and digits (the fake adds _)

HELP = """*BillingReconcile* shows where what you bill and what clients really use disagree.
`/billrec status` — integrations, sync health, held syncs
`/billrec sync [NAME|all]` — sync one integration, or all of them
`/billrec connect` — connect an integration _(admins)_
`/billrec disconnect NAME` — delete its credentials; its data and snapshots stay _(admins)_
`/billrec psa primary [NAME]` — show the primary PSA (its companies are the clients), or switch it _(admins)_
`/billrec map` — open client-link suggestions: Approve · Reject · Choose another _(admins decide)_
`/billrec checks` — the checks; `checks add` alone opens a form of the synced metrics; \
`checks add NAME --billed INTEGRATION:METRIC[,…] --usage INTEGRATION:METRIC[,…] \
[--seen-within DAYS] [--ratio R] [--tolerance N] [--tolerance-percent P] [--allow-unsynced]`, `checks remove NAME` \
_(admins)_
`/billrec metrics [INTEGRATION]` — every synced metric with its name, accounts, units and price
`/billrec skus [list [--free]]` — Microsoft SKUs and whether each counts in checks (free, trial and viral ones do not); `skus include SKU`, `skus exclude SKU` _(admins)_
`/billrec reconcile [CLIENT]` — post the summary here, details and the CSV in its thread
`/billrec snapshot` — freeze the current results and post them here
`/billrec export [YYYY-MM]` — upload the latest snapshot (of that month) as CSV
`/billrec history CLIENT` — one client, month over month
`/billrec except add CLIENT | CHECK | REASON | until YYYY-MM-DD` (or `| forever`), `except list [all]`, \
`except revoke ID` _(admins change)_
`/billrec settings` — show; `settings name=value …` to change _(admins)_: billing_channel=#billing \
admins=@dana @sam digest_day=1 digest_time=09:00 timezone=Europe/London sync_interval_hours=24 alert_threshold=100"""


def who(actor: str) -> str:
    """A Slack user id as a mention; anyone else (a CLI user, the scheduler) as escaped text."""
    return user(actor) if SLACK_ID.match(actor) else name(actor, 120)


def lines_to_sections(lines: Sequence[str], heading: str = "", max_sections: int = 40) -> list[Block]:
    """Lines packed into sections of at most `limits.SECTION_BUDGET` characters."""
    texts: list[str] = []
    current = heading
    for line in lines:
        if current and len(current) + 1 + len(line) > limits.SECTION_BUDGET:
            texts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    if len(texts) > max_sections:
        texts = texts[:max_sections] + ["… and more; the `billrec` CLI shows the full list."]
    return [section(t) for t in texts]


def help_message(unknown: str = "") -> Message:
    intro = f"I do not know `{name(unknown, 40)}`. " if unknown else ""
    return f"{intro}BillingReconcile commands", [section(intro + HELP)]


def usage(line: str) -> str:
    """The usage line shown when a subcommand's words do not parse."""
    return f"Usage: `/billrec {line}` (see `/billrec help`)"


# -- checks, history, exceptions, settings ----------------------------------------------------

def check_line(check: Check) -> str:
    rule = [f"seen within {check.seen_within_days} days"] if check.seen_within_days else []
    if check.kind == COVERAGE:
        devices = f"{name(check.billed.integration, 40)} `{name(', '.join(check.billed.metrics), 300)}`"
        agents = f"{name(check.usage.integration, 40)} `{name(', '.join(check.usage.metrics), 300)}`"
        return f"• *{name(check.name, 100)}*: coverage of {devices} by {agents} · {' · '.join(rule + ['by host name'])}"
    if check.ratio != 1:
        rule.append(f"ratio {check.ratio.normalize():f}")
    if check.storage:
        rule.append(f"billed {check.storage.describe()}")
    tolerance = []
    if check.tolerance_units:
        tolerance.append(f"±{check.tolerance_units.normalize():f}")
    if check.tolerance_percent:
        tolerance.append(f"±{check.tolerance_percent.normalize():f}%")
    rule.append("tolerance " + (" or ".join(tolerance) if tolerance else "exact"))
    billed = f"{name(check.billed.integration, 40)} `{name(', '.join(check.billed.metrics), 300)}`"
    usage_ = f"{name(check.usage.integration, 40)} `{name(', '.join(check.usage.metrics), 300)}`"
    if check.bought:  # three-way: what the MSP buys, between what it bills and what the tenant assigns
        bought = f"{name(check.bought.integration, 40)} `{name(', '.join(check.bought.metrics), 300)}`"
        return (f"• *{name(check.name, 100)}*: billed {billed} vs bought {bought} vs assigned {usage_} · "
                f"{' · '.join(rule)}")
    return f"• *{name(check.name, 100)}*: billed {billed} vs used {usage_} · {' · '.join(rule)}"


def checks_message(checks: Sequence[Check]) -> Message:
    if not checks:
        return "No checks yet", [section("No checks yet. An admin can add one: `/billrec checks add NAME "
                                         "--billed INTEGRATION:METRIC --usage INTEGRATION:METRIC`.")]
    return f"{len(checks)} checks", lines_to_sections([check_line(c) for c in checks], "*Checks*")


def history_message(client: str, lines: Sequence[HistoryLine]) -> Message:
    if not lines:
        return "No history", [section(f"No snapshot has results for *{name(client)}* yet.")]
    # names made literal cell by cell (a check named ``` must not end the block); the rest is ours
    rows = [[l.period, name(l.check, 40), quantity(l.billed, l.unit), quantity(l.actual, l.unit),
             signed(l.variance, l.unit), l.status.label,
             money(l.impact) if l.impact is not None else ""] for l in lines]
    table = tabulate(rows, headers=["Period", "Check", "Billed", "Actual", "Variance", "Status", "Impact/mo"],
                     disable_numparse=True).splitlines()
    head, body = table[:2], table[2:]
    chunks, current = [], []
    for row in body:
        if len("\n".join(head + current + [row])) > limits.SECTION_BUDGET - 200:
            chunks.append(current)
            current = []
        current.append(row)
    chunks.append(current)
    blocks = [section(f"*{name(client)}* month over month, from the latest snapshot of each month")]
    blocks += [section("```" + "\n".join(head + chunk) + "```") for chunk in chunks[:40]]
    trends = terminal.storage_trends(lines)
    if trends:
        blocks.append(section("*Storage used, month over month*\n" + "\n".join(
            f"• {name(check, 100)}: {trend}" for check, trend in list(trends.items())[:20])))
    return f"History of {name(client, 100)}", blocks


def exception_line(e: ExceptionInfo) -> str:
    until = f"until {e.until}" if e.until else "until revoked"
    state = "" if e.active else " _(inactive)_"
    return (f"• #{e.id} *{name(e.client, 80)}* / {name(e.check, 80)} — {name(e.reason, 300)} · {until} · "
            f"by {who(e.created_by)}{state}")


def exceptions_message(found: Sequence[ExceptionInfo]) -> Message:
    if not found:
        return "No exceptions", [section("No exceptions in force.")]
    return f"{len(found)} exceptions", lines_to_sections([exception_line(e) for e in found], "*Exceptions*")


def settings_message(current: TenantSettings, changed: Sequence[str] = (), next_digest: str = "") -> Message:
    channel = f"<#{current.billing_channel}>" if current.billing_channel else "not set"
    admins = ", ".join(user(a) for a in current.admins) if current.admins else "not set: workspace admins and owners decide"
    lines = [
        f"• billing_channel: {channel}",
        f"• admins: {admins}",
        (f"• digest_day: {current.digest_day} · digest_time: {escape(current.digest_time)} · "
        f"timezone: {escape(current.timezone)}"),
        f"• sync_interval_hours: {current.sync_interval_hours} · stale_after_hours: {current.stale_after_hours}",
        f"• alert_threshold: {money(current.alert_threshold)}/mo",
    ]
    if next_digest:
        lines.append(f"• next digest: {escape(next_digest)}")
    heading = f"*Settings* (changed: {escape(', '.join(changed))})" if changed else "*Settings*"
    return "Settings", lines_to_sections(lines, heading)
