"""The checks modal (`/billrec checks add` with nothing after it): a check picked from the synced metrics.

    Name              [Managed workstations              ]
    Billed            [Managed Workstation · psa:billed:MW-01 · 54 accounts  ▾]
    Used              [Approved workstations … · rmm:devices:workstation · 58 accounts  ▾]
    Bought (optional) [Microsoft 365 Business Premium · pax8:licenses:… · 40 accounts  ▾]
    Seen within days  [30]   Tolerance (units)  [0]

Each select lists what `billrec metrics` lists, by its human name: the billed side offers the
metrics of sources that bill (PSA, distributor), the used side those of sources that count
usage. Past 100 metrics, a select searches them (`app.options`) instead of listing them. The optional
bought select (from the billing sources too: a distributor or Partner Center) makes a three-way licence
check: billed against the tenant's assigned seats, with what the MSP buys between them.

The coverage modal (`/billrec checks add coverage`) asks for the devices that should be protected
and the agents that protect them, each from the usage sources: a wildcard per source and metric
prefix first (`ninja:devices:*`, what a coverage check is usually about), then each metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.views.format import cut, option, plain, section
from bot.views.links import STATIC_SELECT_MAX
from reconcile.metrics import SyncedMetric

Block = dict[str, Any]
SUBMIT = "checks_submit"
VALUE = "value"  # the action id of the text inputs
BILLED, USAGE = "checks_billed", "checks_usage"  # the selects' action ids (and block ids)
BOUGHT = "checks_bought"  # a three-way licence check's optional bought side
NAME, SEEN_WITHIN, TOLERANCE = "check_name", "check_seen_within", "check_tolerance"
UNIT, ROUNDING, INCLUDED = "check_unit", "check_rounding", "check_included"  # storage billed per GB/TB
TITLE = "Add a check"
COVERAGE_SUBMIT = "coverage_submit"
DEVICES, AGENTS = "coverage_devices", "coverage_agents"  # the coverage modal's selects (and block ids)


def metric_option(metric: SyncedMetric) -> dict[str, Any]:
    """The human name first (a select shows 75 characters), then the key a check stores."""
    label = f"{metric.name} · {metric.side} · {metric.accounts} accounts" if metric.name else \
        f"{metric.side} · {metric.accounts} accounts"
    return option(cut(label, 75), metric.side)


def metric_options(metrics: Sequence[SyncedMetric], typed: str = "") -> list[dict[str, Any]]:
    """Options for a select, or for its search: those whose name or key contains `typed`."""
    wanted = typed.strip().lower()
    found = [m for m in metrics if wanted in m.side.lower() or wanted in m.name.lower()]
    return [metric_option(m) for m in found[:STATIC_SELECT_MAX]]


def metric_select(action_id: str, metrics: Sequence[SyncedMetric]) -> Block:
    placeholder = plain("Choose a metric…", 150)
    if len(metrics) > STATIC_SELECT_MAX:
        return {"type": "external_select", "action_id": action_id, "placeholder": placeholder, "min_query_length": 1}
    return {"type": "static_select", "action_id": action_id, "placeholder": placeholder,
            "options": metric_options(metrics)}


def text_input(block_id: str, label: str, hint: str, *, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "optional": optional,
            "hint": plain(hint, 2000), "element": {"type": "plain_text_input", "action_id": VALUE}}


def choice_input(block_id: str, label: str, hint: str, choices: Sequence[str]) -> Block:
    """An optional select whose action id is its block id, as the metric selects'."""
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "optional": True,
            "hint": plain(hint, 2000), "element": {"type": "static_select", "action_id": block_id,
                                                   "placeholder": plain("Not storage", 150),
                                                   "options": [option(c, c) for c in choices]}}


def add_view(billed: Sequence[SyncedMetric], usage: Sequence[SyncedMetric]) -> dict[str, Any]:
    """The modal, or a notice saying to sync first when a side has nothing to offer."""
    if not billed or not usage:
        missing = "billed" if not billed else "usage"
        return {"type": "modal", "callback_id": "checks_notice", "title": plain(TITLE, 24),
                "close": plain("Close", 24),
                "blocks": [section(f"No synced {missing} metrics yet: connect a source and sync it first "
                                   "(`/billrec connect`, `/billrec sync all`); `/billrec metrics` lists them.")]}
    blocks: list[Block] = [
        text_input(NAME, "Name", "What the report calls it, e.g. Managed workstations."),
        {"type": "input", "block_id": BILLED, "label": plain("Billed: what the client pays for", 2000),
         "element": metric_select(BILLED, billed)},
        {"type": "input", "block_id": USAGE, "label": plain("Used: what the client really uses", 2000),
         "element": metric_select(USAGE, usage)},
        {"type": "input", "block_id": BOUGHT, "optional": True,
         "label": plain("Bought: what you buy for it (three-way licence check)", 2000),
         "hint": plain("Only for licences: the distributor's or Partner Center's seats, with the tenant's assigned "
                       "seats as Used (m365 assigned:…). Leave empty for a two-sided check.", 2000),
         "element": metric_select(BOUGHT, billed)},
        text_input(SEEN_WITHIN, "Count only devices seen within (days)", "Leave empty to count every one.",
                   optional=True),
        text_input(TOLERANCE, "Tolerance (units)", "A variance this small still counts as matched; empty is 0.",
                   optional=True),
        choice_input(UNIT, "Storage billed per", "Only for a used metric in bytes: GB and TB are decimal "
                     "(1 TB = 10^12 bytes), GiB and TiB binary.", ("GB", "TB", "GiB", "TiB")),
        choice_input(ROUNDING, "Storage rounding", "started: every started unit is billed (the default); "
                     "exact: the amount used, to 0.01.", ("started", "exact")),
        text_input(INCLUDED, "Storage included (units)", "Units included free before billing starts, e.g. 1 for "
                   "\"first 1 TB included\"; empty is 0.", optional=True),
    ]
    return {"type": "modal", "callback_id": SUBMIT, "title": plain(TITLE, 24), "submit": plain("Add check", 24),
            "close": plain("Cancel", 24), "blocks": blocks}


def added_view(text: str) -> dict[str, Any]:
    """The modal once the check is added (`text` already escaped)."""
    return {"type": "modal", "callback_id": "checks_done", "title": plain(TITLE, 24), "close": plain("Done", 24),
            "blocks": [section(text)]}


def side_options(metrics: Sequence[SyncedMetric]) -> list[dict[str, Any]]:
    """A wildcard per integration and prefix (`ninja:devices:*`: a class a later sync brings is in), then each metric."""
    prefixes: dict[tuple[str, str], int] = {}
    for m in metrics:
        prefix = m.metric.partition(":")[0]
        prefixes[m.integration, prefix] = prefixes.get((m.integration, prefix), 0) + 1
    wild = [option(cut(f"Every {prefix}:* of {integration} ({count} synced now)", 75), f"{integration}:{prefix}:*")
            for (integration, prefix), count in prefixes.items()]
    return [*wild, *(metric_option(m) for m in metrics)][:STATIC_SELECT_MAX]


def coverage_view(usage: Sequence[SyncedMetric]) -> dict[str, Any]:
    """The coverage modal, or a notice when fewer than two usage sources have synced."""
    if len({m.integration for m in usage}) < 2:
        return {"type": "modal", "callback_id": "checks_notice", "title": plain(TITLE, 24),
                "close": plain("Close", 24),
                "blocks": [section("A coverage check compares two usage sources (an RMM and a security tool), and "
                                   "fewer than two have synced: connect and sync them first (`/billrec connect`, "
                                   "`/billrec sync all`).")]}
    options = side_options(usage)
    placeholder = plain("Choose…", 150)
    blocks: list[Block] = [
        text_input(NAME, "Name", "What the report calls it, e.g. EDR coverage."),
        {"type": "input", "block_id": DEVICES, "label": plain("Devices that should be protected (the RMM)", 2000),
         "element": {"type": "static_select", "action_id": DEVICES, "placeholder": placeholder, "options": options}},
        {"type": "input", "block_id": AGENTS, "label": plain("Agents that protect them (the security tool)", 2000),
         "element": {"type": "static_select", "action_id": AGENTS, "placeholder": placeholder, "options": options}},
        text_input(SEEN_WITHIN, "Leave out machines not seen within (days)",
                   "Retired machines are no gaps; empty counts every one.", optional=True),
    ]
    return {"type": "modal", "callback_id": COVERAGE_SUBMIT, "title": plain(TITLE, 24),
            "submit": plain("Add check", 24), "close": plain("Cancel", 24), "blocks": blocks}
