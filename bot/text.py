"""Plain-text views for the terminal: summary cards, result tables, integration status.

The Slack face renders the same reports as Block Kit in `bot/blocks.py`; both start from the
same `reconcile` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from tabulate import tabulate

from reconcile.checks import GAP_STATUSES, CheckResult, Source, Status, Summary
from reconcile.csvexport import number as csvnumber
from reconcile.csvexport import quantity
from reconcile.reconciliation import Report


def money(value: Decimal | None) -> str:
    """`Decimal("1234.5")` → `$1,234.50`; unknown → `—`."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + quantity(value)


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def price(value: Decimal | None) -> str | None:
    """A unit price with at least two decimals and no trailing zeros beyond: 45.00, 3.495."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def cards(summary: Summary) -> str:
    """The three cards of the reconciliation page, as text."""
    rows = [
        ["UNDER-LICENSED", "OVER-LICENSED", "MATCHED"],
        [str(summary.count(Status.UNDER)), str(summary.count(Status.OVER)), str(summary.count(Status.MATCHED))],
        [f"{money(summary.under_money)}/mo unbilled", f"{money(summary.over_money)}/mo overbilled", "billing lines up"],
    ]
    body = tabulate(rows, tablefmt="rounded_grid")
    extra = (f"unmapped {summary.count(Status.UNMAPPED)} · stale {summary.count(Status.STALE)} · "
             f"excepted {summary.count(Status.EXCEPTED)}")
    if summary.gaps:
        extra += f" · coverage gaps {summary.gaps}"
    if summary.count(Status.FAILED):
        extra += f" · FAILED CHECKS {summary.count(Status.FAILED)}"
    return f"{body}\n{extra}"


def failed_lines(results: Iterable[CheckResult]) -> list[str]:
    """One line per check that could not be evaluated: it is missing from every number above."""
    return [f"Check {r.check!r} could not be evaluated: {r.note}" for r in results if r.status is Status.FAILED]


def results_table(results: Sequence[CheckResult], *, limit: int | None = None) -> str:
    shown = results[:limit] if limit else results
    rows = [["—", r.check, "", "", "", r.status.label, ""] if r.status is Status.FAILED else
            [r.client, r.check, "", "", "", f"{r.status.label}: {r.device}", ""] if r.status in GAP_STATUSES else
            [r.client, r.check, quantity(r.billed), quantity(r.actual), signed(r.variance), r.status.label,
             money(r.impact) if r.impact is not None else ""] for r in shown]
    table = tabulate(rows, headers=["Client", "Check", "Billed", "Actual", "Variance", "Status", "Impact/mo"],
                     tablefmt="simple", disable_numparse=True, colalign=("left", "left", "right", "right", "right", "left", "right"))
    if limit and len(results) > limit:
        table += f"\n… and {len(results) - limit} more (see the CSV)"
    return table


def gap_lines(results: Sequence[CheckResult], *, limit: int | None = None) -> list[str]:
    """The coverage gaps, one line per device ("Acme Corp · EDR coverage · ACME-SRV01 (server): no security agent")."""
    gaps = [r for r in results if r.status in GAP_STATUSES]
    if not gaps:
        return []
    shown = gaps[:limit] if limit else gaps
    lines = [f"Coverage gaps: {len(gaps)} (a device with no security agent, an agent on no managed device, "
             "or an ambiguous match)"]
    lines += [f"  {r.client} · {r.check} · {r.note}" for r in shown]
    if len(gaps) > len(shown):
        lines.append(f"  … and {len(gaps) - len(shown)} more (see the CSV)")
    return lines


def sources_line(sources: Iterable[Source]) -> str:
    parts = []
    for s in sources:
        parts.append(f"{s.name} as of {when(s.as_of)}" + (f" (STALE: {s.reason})" if s.stale else ""))
    return "Sources: " + "; ".join(parts) if parts else "Sources: none connected"


def report_json(report: Report) -> dict[str, object]:
    """The JSON shape of `billrec reconcile --format json` (documented in the README).

    Numbers are strings so no precision is lost; `variance` is actual − billed and `impact`
    variance × unit price per month (null when unknown).
    """
    summary = report.summary
    return {
        "generated_at": report.generated_at.isoformat(),
        "summary": {**{s.value: summary.count(s) for s in Status},
                    "under_money": csvnumber(summary.under_money), "over_money": csvnumber(summary.over_money)},
        "sources": [{"integration": s.name, "kind": s.kind, "as_of": s.as_of.isoformat() if s.as_of else None,
                     "stale": s.stale, "reason": s.reason} for s in report.sources],
        "results": [result_json(r) for r in report.results],
    }


def result_json(r: CheckResult) -> dict[str, object]:
    """One result; a failed check has no client and no numbers (null), and its reason in `note`."""
    if r.status is Status.FAILED:
        return {"client": None, "check": r.check, "billed": None, "actual": None, "variance": None,
                "status": r.status.value, "unit_price": None, "impact": None, "note": r.note}
    if r.status in GAP_STATUSES:  # one device: no numbers, the device's name as its console shows it
        return {"client": r.client, "check": r.check, "device": r.device, "billed": None, "actual": None,
                "variance": None, "status": r.status.value, "unit_price": None, "impact": None, "note": r.note}
    return {"client": r.client, "check": r.check, "billed": quantity(r.billed), "actual": quantity(r.actual),
            "variance": quantity(r.variance), "status": r.status.value, "unit_price": price(r.unit_price),
            "impact": csvnumber(r.impact) or None, "note": r.note}
