"""The report as CSV, for spreadsheets and audit files.

Columns: Client, Check, Billed, Actual, Variance, Status, Unit price, Monthly impact,
Sources as of, Note (why a result is stale, unmapped, excepted or failed). A failed check is
one line with no client and no numbers, its reason in Note; so is each coverage gap, one line per
uncovered device (or unmanaged agent) with the device named in Note.

A report with a three-way licence check (one with a bought side) has six more columns after Monthly
impact: Bought, Buying variance (assigned − bought), Buying status, Bought unit price, Buying impact
(at the bought side's price, the MSP's cost where the source gives one) and Reducible (when over-bought
seats can go). A report of two-sided checks only keeps the ten columns above, unchanged.

Text cells a spreadsheet might run as a formula get a leading apostrophe (OWASP's CSV injection
guidance): those whose first character past any spaces (NBSP, em and ideographic spaces
included) and invisible format characters is `=`, `+`, `-`, `@` or a full-width or small form of
one (`＝＋－＠`, `﹦﹢﹣﹫`, which spreadsheets fold to them), and those starting with a tab, CR or
LF. Our own numbers are left alone, so a variance of -3 stays a number.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from reconcile.checks import GAP_STATUSES, CheckResult, Status

HEADER = ("Client", "Check", "Billed", "Actual", "Variance", "Status", "Unit price", "Monthly impact",
          "Sources as of", "Note")
BUYING = ("Bought", "Buying variance", "Buying status", "Bought unit price", "Buying impact", "Reducible")
FORMULA_START = frozenset("=+-@＝＋－＠﹦﹢﹣﹫")
RAW_START = ("\t", "\r", "\n")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show as text, never evaluate."""
    first = next((c for c in text if not (c.isspace() or unicodedata.category(c) == "Cf")), "")
    return "'" + text if first in FORMULA_START or text.startswith(RAW_START) else text


def number(value: Decimal | None) -> str:
    """Money with two places; blank when unknown."""
    return "" if value is None else str(value.quantize(Decimal("0.01")))


def unit_price(value: Decimal | None) -> str | None:
    """A unit price with at least two decimals and no trailing zeros beyond: 45.00, 3.495."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def quantity(value: Decimal, unit: str = "") -> str:
    """Counts print without decimals; fractional quantities keep theirs; a unit follows ("2 TB")."""
    shown = str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"
    return f"{shown} {unit}" if unit else shown


def rows(results: Iterable[CheckResult], *, three_way: bool = False) -> Iterable[list[str]]:
    """One line per result, as it comes. Client and check names, sources and notes repeat from line to
    line, so each distinct one is made safe once (a per-export memo, not a global cache)."""
    safe: dict[object, str] = {}

    def cell(text: str) -> str:
        found = safe.get(text)
        if found is None:
            found = safe[text] = neutralise(text)
        return found

    def sources(as_of: tuple[str, ...]) -> str:
        found = safe.get(as_of)
        if found is None:
            found = safe[as_of] = neutralise("; ".join(as_of))
        return found

    labels = {status: status.label for status in Status}
    for r in results:
        # a failed check has no numbers to show
        status = r.status
        counts = ["", "", ""] if status is Status.FAILED or status in GAP_STATUSES else [
            quantity(r.billed, r.unit), quantity(r.actual, r.unit), quantity(r.variance, r.unit)]
        yield [
            cell(r.client), cell(r.check), *counts, labels[status], number(r.unit_price),
            number(r.impact), *(buying(r) if three_way else ()), sources(r.sources), cell(r.note),
        ]


def buying(r: CheckResult) -> list[str]:
    """A result's bought-side cells, blank for a result of a two-sided check."""
    if r.bought is None or r.buying_variance is None:
        return [""] * len(BUYING)
    return [quantity(r.bought), quantity(r.buying_variance), r.buying, number(r.bought_price), number(r.buying_impact),
            neutralise(r.reducible)]


def write(results: Iterable[CheckResult], stream: TextIO) -> int:
    """Write the header and one line per result; returns the number of results written."""
    results = list(results)
    three_way = any(r.bought is not None for r in results)
    header = HEADER[:8] + BUYING + HEADER[8:] if three_way else HEADER
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows(results, three_way=three_way):
        writer.writerow(row)
        count += 1
    return count


def to_text(results: Iterable[CheckResult]) -> str:
    buffer = io.StringIO()
    write(results, buffer)
    return buffer.getvalue()
