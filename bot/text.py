"""Plain-text views for the terminal: summary cards, result tables, integration status.

The Slack face renders the same reports as Block Kit in `bot/blocks.py`; both start from the
same `reconcile` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from tabulate import tabulate

from reconcile import checks
from reconcile.checks import GAP_STATUSES, CheckResult, Source, Status, Summary
from reconcile import csvexport
from reconcile.csvexport import number as csvnumber
from reconcile.csvexport import quantity
from reconcile.reconciliation import Report

if TYPE_CHECKING:
    from reconcile.snapshots import HistoryLine

    StorageReading = CheckResult | HistoryLine

ZERO = Decimal(0)  # `ZERO - x` negates without making a -0.00


def money(value: Decimal | None) -> str:
    """`Decimal("1234.5")` → `$1,234.50`; unknown → `—`."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def signed(value: Decimal, unit: str = "") -> str:
    return ("+" if value > 0 else "") + quantity(value, unit)


def storage_trends(lines: Iterable[StorageReading]) -> dict[str, str]:
    """Per storage check, its usage over `lines` in their order: {"Backup storage": "2.1 TB → 2.3 TB → 2.6 TB"}.

    `lines` are one client's history lines (oldest first) or a result then and now; a line of another
    check kind, or frozen before snapshots kept the usage, has none and is passed over.
    """
    points: dict[str, list[str]] = {}
    for line in lines:
        if line.used is not None and line.unit:
            points.setdefault(line.check, []).append(quantity(line.used, line.unit))
    return {check: " → ".join(shown) for check, shown in points.items()}


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


price = csvexport.unit_price  # one spelling of a unit price for every face


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
    if summary.under_at_cost or summary.over_at_cost:
        extra += (f"\nat cost (a distributor's price to you, not in the totals above): "
                  f"{money(summary.under_at_cost)}/mo under · {money(summary.over_at_cost)}/mo over")
    if summary.over_bought:
        extra += f"\n{over_bought_line(summary)}"
    return f"{body}\n{extra}"


def over_bought_line(summary: Summary) -> str:
    """Three-way checks: the MSP's own cost leak, kept apart from what clients are billed."""
    return (f"over-bought: {summary.over_bought} client/product pair(s) buy seats nobody is assigned, "
            f"{money(summary.over_bought_at_cost)}/mo at cost")


def failed_lines(results: Iterable[CheckResult]) -> list[str]:
    """One line per check that could not be evaluated: it is missing from every number above."""
    return [f"Check {r.check!r} could not be evaluated: {r.note}" for r in results if r.status is Status.FAILED]


def results_table(results: Sequence[CheckResult], *, limit: int | None = None) -> str:
    """The results, one per line, with the note that says why (stale) or what next (unmapped)."""
    shown = results[:limit] if limit else results
    rows = [["—", r.check, "", "", "", r.status.label, "", ""] if r.status is Status.FAILED else
            [r.client, r.check, "", "", "", r.status.label, "", r.note] if r.status in GAP_STATUSES else
            [r.client, r.check, quantity(r.billed, r.unit), quantity(r.actual, r.unit), signed(r.variance, r.unit),
             r.status.label, impact_cell(r), r.note] for r in shown]
    headers = ["Client", "Check", "Billed", "Actual", "Variance", "Status", "Impact/mo", "Note"]
    align = ("left", "left", "right", "right", "right", "left", "right", "left")
    if any(r.bought is not None for r in shown):  # a three-way licence check: its buying side beside the billing one
        rows = [row[:7] + buying_cells(r) + [_joined(row[7], r.reducible)] for row, r in zip(rows, shown)]
        headers = headers[:7] + ["Bought", "Buying", "Buying/mo"] + headers[7:]
        align = align[:7] + ("right", "left", "right") + align[7:]
    table = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align)
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
def buying_cells(r: CheckResult) -> list[str]:
    """Bought, the buying variance with its status ("-2 over-bought"), and its money; blank without a bought side."""
    if r.bought is None or r.buying_variance is None:
        return ["", "", ""]
    variance = f"{signed(r.buying_variance)} {r.buying}" if r.buying and r.buying != "matched" else r.buying
    return [quantity(r.bought), variance, buying_money(r)]


def buying_money(r: CheckResult) -> str:
    if r.buying_impact is None:
        return ""
    return money(r.buying_impact) + (" at cost" if r.bought_at_cost and r.buying_impact else "")


def buying_words(r: CheckResult) -> str:
    """A three-way result's buying side in one line: "bought 14 · assigned − bought -2 over-bought (seats the MSP
    pays for that nobody uses) · -$37.40/mo at cost · annual term, reducible at renewal on 2027-03-14"."""
    if r.bought is None or r.buying_variance is None:
        return ""
    said = [f"bought {quantity(r.bought)}"]
    if not r.buying and checks.NOT_READ in r.note:
        said.append("not compared: no assigned seats read for this client")
    if r.buying:
        said.append(f"assigned − bought {signed(r.buying_variance)} {r.buying} ({checks.BUYING_MEANS[r.buying]})"
                    if r.buying != checks.BOUGHT_MATCHED else "bought as assigned")
    if r.buying_impact:
        said.append(f"{money(r.buying_impact)}/mo" + (" at cost" if r.bought_at_cost else ""))
    return " · ".join(said + ([r.reducible] if r.reducible else []))


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def impact_cell(result: CheckResult) -> str:
    if result.impact is None:
        return ""
    return money(result.impact) + (" at cost" if result.at_cost and result.impact else "")


def client_totals_table(results: Iterable[CheckResult]) -> str:
    """Per client with money at stake, in report order: unbilled, overbilled and the net (+ = lost revenue)."""
    totals = [t for key, t in checks.client_totals(results).items()
              if key[0] == "client" and (t.unbilled or t.overbilled or t.unbilled_at_cost or t.overbilled_at_cost)]
    if not totals:
        return ""
    rows = [[t.client, money(t.unbilled), money(t.overbilled), signed_money(t.net)] for t in totals]
    headers = ["Client", "Unbilled", "Overbilled", "Net"]
    if any(t.unbilled_at_cost or t.overbilled_at_cost for t in totals):  # kept apart: a cost is not a price
        rows = [row + [money(t.unbilled_at_cost), money(t.overbilled_at_cost)] for row, t in zip(rows, totals)]
        headers += ["Under at cost", "Over at cost"]
    return "Money at stake per client (monthly; net = unbilled − overbilled)\n" + tabulate(
        rows, headers=headers, tablefmt="simple", disable_numparse=True,
        colalign=("left",) + ("right",) * (len(headers) - 1))


def signed_money(value: Decimal) -> str:
    """Money with its sign always shown: +$110.00, -$40.00, $0.00."""
    return ("+" if value > 0 else "") + money(value)


def failure_notices(sources: Iterable[Source], now: datetime | None = None) -> list[str]:
    """One line per source whose last sync failed while its data is still fresh enough to report."""
    return [f"Warning: {notice}" for s in sources if (notice := s.failure_notice(now))]


def disconnected_note(source: Source) -> str:
    """For a disconnected source, when it was and until when its last data counts (before it goes stale)."""
    if source.disconnected_at is None:
        return ""
    note = f"disconnected {when(source.disconnected_at)}"
    if not source.stale and source.good_until is not None:
        note += f"; its last data counts until {when(source.good_until)}, then its checks are stale"
    return note


def sources_line(sources: Iterable[Source]) -> str:
    parts = []
    for s in sources:
        notes = [n for n in (disconnected_note(s), f"STALE: {s.reason}" if s.stale else "") if n]
        parts.append(f"{s.name} as of {when(s.as_of)}" + (f" ({'; '.join(notes)})" if notes else ""))
    return "Sources: " + "; ".join(parts) if parts else "Sources: none connected"


def report_json(report: Report) -> dict[str, object]:
    """The JSON shape of `billrec reconcile --format json` (documented in the README).

    Numbers are strings so no precision is lost; `variance` is actual − billed and `impact`
    variance × unit price per month (null when unknown).
    """
    summary = report.summary
    return {
        "generated_at": report.generated_at.isoformat(),
        # money carries the sign of `impact` (variance × price): under positive, over negative
        "summary": {**{s.value: summary.count(s) for s in Status},
                    "under_money": csvnumber(summary.under_money), "over_money": csvnumber(ZERO - summary.over_money),
                    "under_at_cost": csvnumber(summary.under_at_cost),
                    "over_at_cost": csvnumber(ZERO - summary.over_at_cost),
                    # with a three-way check: seats bought beyond those assigned, at cost (negative, as impact)
                    **({"over_bought": summary.over_bought,
                        "over_bought_at_cost": csvnumber(ZERO - summary.over_bought_at_cost)}
                       if any(r.bought is not None for r in report.results) else {})},
        "clients": [{"client": t.client, "unbilled": csvnumber(t.unbilled),
                     "overbilled": csvnumber(ZERO - t.overbilled),
                     "net": csvnumber(t.net), "unbilled_at_cost": csvnumber(t.unbilled_at_cost),
                     "overbilled_at_cost": csvnumber(ZERO - t.overbilled_at_cost)}
                    for key, t in checks.client_totals(report.results).items() if key[0] == "client"],
        "sources": [{"integration": s.name, "kind": s.kind, "as_of": s.as_of.isoformat() if s.as_of else None,
                     "stale": s.stale, "reason": s.reason,
                     "last_failure": {"at": s.failed_at.isoformat(), "kind": s.failure} if s.failed_at else None}
                    for s in report.sources],
        "results": [result_json(r) for r in report.results],
    }


def result_json(r: CheckResult) -> dict[str, object]:
    """One result; a failed check has no client and no numbers (null), and its reason in `note`."""
    if r.status is Status.FAILED:
        return {"client": None, "check": r.check, "billed": None, "actual": None, "variance": None,
                "status": r.status.value, "unit_price": None, "impact": None, "at_cost": False, "note": r.note}
    if r.status in GAP_STATUSES:  # one device: no numbers, the device's name as its console shows it
        return {"client": r.client, "check": r.check, "device": r.device, "billed": None, "actual": None,
                "variance": None, "status": r.status.value, "unit_price": None, "impact": None, "at_cost": False,
                "note": r.note}
    shown: dict[str, object] = {
        "client": r.client, "check": r.check, "billed": quantity(r.billed, r.unit),
        "actual": quantity(r.actual, r.unit), "variance": quantity(r.variance, r.unit), "status": r.status.value,
        "unit_price": price(r.unit_price), "impact": csvnumber(r.impact) or None, "at_cost": r.at_cost, "note": r.note}
    if r.bought is not None and r.buying_variance is not None:  # a three-way licence check's buying side
        shown.update({"bought": quantity(r.bought), "buying_variance": quantity(r.buying_variance),
                      "buying": r.buying or None, "bought_unit_price": price(r.bought_price),
                      "buying_impact": csvnumber(r.buying_impact) or None, "bought_at_cost": r.bought_at_cost,
                      "reducible": r.reducible or None,
                      "renews_on": r.renews_on.isoformat() if r.renews_on else None})
    return shown
