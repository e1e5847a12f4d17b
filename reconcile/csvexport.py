"""The report as CSV, for spreadsheets and audit files.

Columns: Client, Check, Billed, Actual, Variance, Status, Unit price, Monthly impact,
Sources as of, Note (why a result is stale, unmapped, excepted or failed). A failed check is
one line with no client and no numbers, its reason in Note; so is each coverage gap, one line per
uncovered device (or unmanaged agent) with the device named in Note.

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
FORMULA_START = frozenset("=+-@＝＋－＠﹦﹢﹣﹫")
RAW_START = ("\t", "\r", "\n")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show as text, never evaluate."""
    first = next((c for c in text if not (c.isspace() or unicodedata.category(c) == "Cf")), "")
    return "'" + text if first in FORMULA_START or text.startswith(RAW_START) else text


def number(value: Decimal | None) -> str:
    """Money with two places; blank when unknown."""
    return "" if value is None else str(value.quantize(Decimal("0.01")))


def quantity(value: Decimal, unit: str = "") -> str:
    """Counts print without decimals; fractional quantities keep theirs; a unit follows ("2 TB")."""
    shown = str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"
    return f"{shown} {unit}" if unit else shown


def rows(results: Iterable[CheckResult]) -> Iterable[list[str]]:
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
            number(r.impact), sources(r.sources), cell(r.note),
        ]


def write(results: Iterable[CheckResult], stream: TextIO) -> int:
    """Write the header and one line per result; returns the number of results written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for row in rows(results):
        writer.writerow(row)
        count += 1
    return count


def to_text(results: Iterable[CheckResult]) -> str:
    buffer = io.StringIO()
    write(results, buffer)
    return buffer.getvalue()
