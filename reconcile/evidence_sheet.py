"""Evidence as rows: one per billing line and one per device, counted or left out, for CSV and JSON.

    Client, Check, Side, Counted, Source, Account, Item, Class or metric, Quantity, Unit price, Last seen, Why left out
    Acme Corp, Managed workstations, billed, yes, psa, Acme Corp, Managed Workstation, billed:MW-01, 12, 45.00, ,
    Acme Corp, Managed workstations, usage, yes, rmm, ACME, ACME-WS01, workstation, 1, , 2026-11-26 09:12 UTC,
    Acme Corp, Managed workstations, usage, no, rmm, ACME, ACME-WS09, workstation, 1, , 2026-09-01 10:00 UTC, not seen…

`billrec evidence --format csv` writes these rows, and `billrec export --evidence` writes them as a second
CSV file beside the report (a billing admin opens each in Excel with a double click; a zip would have to be
unpacked first). Text cells are neutralised against formulas like the report's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TextIO

from reconcile.csvexport import neutralise, quantity, unit_price
from reconcile.evidence import Device, Evidence, Line, SideEvidence

HEADER = ("Client", "Check", "Side", "Counted", "Source", "Account", "Item", "Class or metric", "Quantity",
          "Unit price", "Last seen", "Why left out")


def seen(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def items(side: SideEvidence) -> Iterator[Line | Device]:
    """A side's lines and devices in reading order: what counts first, then what is left out."""
    yield from side.lines
    yield from side.counted
    yield from side.left_out_lines
    yield from side.left_out


def rows(found: Iterable[Evidence]) -> Iterator[list[str]]:
    for evidence in found:
        for side in (evidence.billed, evidence.usage):
            for item in items(side):
                if isinstance(item, Line):
                    cells = [item.source, item.account, item.label or item.metric, item.metric,
                             quantity(item.quantity), price(item.unit_price), ""]
                else:
                    cells = [item.source, item.account, item.name, item.device_class, "1", "", seen(item.last_seen)]
                yield [neutralise(evidence.client), neutralise(evidence.check), side.side,
                       "no" if item.left_out else "yes", *(neutralise(c) for c in cells), neutralise(item.left_out)]


def price(value: Decimal | None) -> str:
    return unit_price(value) or ""


def write(found: Iterable[Evidence], stream: TextIO) -> int:
    """The header and one line per item; returns how many items were written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for row in rows(found):
        writer.writerow(row)
        count += 1
    return count


def to_json(found: Iterable[Evidence]) -> list[dict[str, object]]:
    """`billrec evidence --format json`: per check, each side's total, lines and devices (numbers as strings)."""
    def side_json(side: SideEvidence) -> dict[str, object]:
        return {"source": side.source, "metrics": list(side.metrics), "total": quantity(side.total),
                "lines": [line_json(l) for l in side.lines],
                "counted": [device_json(d) for d in side.counted],
                "left_out": [device_json(d) for d in side.left_out] + [line_json(l) for l in side.left_out_lines]}

    def line_json(line: Line) -> dict[str, object]:
        out: dict[str, object] = {"account": line.account, "metric": line.metric, "label": line.label,
                                  "quantity": quantity(line.quantity), "unit_price": price(line.unit_price) or None}
        if line.left_out:
            out["why"] = line.left_out
        return out

    def device_json(device: Device) -> dict[str, object]:
        out: dict[str, object] = {"name": device.name, "class": device.device_class, "metric": device.metric,
                                  "account": device.account,
                                  "last_seen": device.last_seen.isoformat() if device.last_seen else None}
        if device.left_out:
            out["why"] = device.left_out
        return out

    return [{"client": e.client, "check": e.check, "billed": quantity(e.billed_total, e.unit),
             "actual": quantity(e.actual, e.unit), "seen_within_days": e.seen_within_days,
             "billed_side": side_json(e.billed), "usage_side": side_json(e.usage)} for e in found]
