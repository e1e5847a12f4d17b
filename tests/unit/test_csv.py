"""The CSV a billing admin opens in a spreadsheet."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from reconcile import csvexport
from reconcile.checks import CheckResult, Status


def results() -> list[CheckResult]:
    sources = ("ConnectWise PSA 2026-11-01 09:00 UTC", "NinjaOne 2026-11-01 09:01 UTC")
    return [
        CheckResult("Acme Corp", "Managed workstations", Decimal(10), Decimal(12), Status.UNDER, Decimal("45.0000"),
                    sources=sources),
        CheckResult("=HYPERLINK(\"http://evil\")", "Microsoft 365", Decimal(5), Decimal(3), Status.OVER, Decimal("22")),
        CheckResult("MSP Internal Lab", "Managed workstations", Decimal(0), Decimal("7"), Status.UNMAPPED, None),
    ]


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_columns_and_numbers_are_what_a_billing_admin_expects():
    rows = parsed(csvexport.to_text(results()))
    assert rows[0] == ["Client", "Check", "Billed", "Actual", "Variance", "Status", "Unit price", "Monthly impact",
                       "Sources as of", "Note"]
    assert rows[1] == ["Acme Corp", "Managed workstations", "10", "12", "2", "under-licensed", "45.00", "90.00",
                       "ConnectWise PSA 2026-11-01 09:00 UTC; NinjaOne 2026-11-01 09:01 UTC", ""]
    assert rows[3][4:8] == ["7", "unmapped", "", ""]


def test_a_formula_in_a_name_is_neutralised_but_negative_numbers_stay_numbers():
    rows = parsed(csvexport.to_text(results()))
    assert rows[2][0] == "'=HYPERLINK(\"http://evil\")"
    assert rows[2][4] == "-2" and rows[2][7] == "-44.00"


def test_every_formula_prefix_is_neutralised():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csvexport.neutralise(f"{start}cmd") == f"'{start}cmd"
    assert csvexport.neutralise("Acme") == "Acme"


@pytest.mark.parametrize("cell", [
    " =1+1", "  +1", "\xa0=1+1", "\n=1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "﹦1+1", "\u3000@SUM(A1)",
    "\u2003-1", "\u200b=1+1", "\ufeff+1", "\t1", "\r1", "\nAcme", " \t =HYPERLINK(\"http://evil\")",
])
def test_a_formula_behind_spaces_or_in_full_width_is_neutralised_too(cell):
    result = CheckResult(cell, cell, Decimal(1), Decimal(2), Status.UNDER, Decimal(3), note=cell, sources=(cell,))
    [row] = parsed(csvexport.to_text([result]))[1:]
    assert [row[i] for i in (0, 1, 8, 9)] == ["'" + cell] * 4
    assert row[2:5] == ["1", "2", "1"]  # numbers stay numbers
