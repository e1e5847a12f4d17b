"""Storage billed in units: bytes against a line billed per started TB, per GB, with a free part (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from reconcile.checks import Check, CheckResult, Reading, Side, Source, Status, evaluate
from reconcile.errors import Invalid
from reconcile.storage_units import StorageBilling, storage_billing

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PSA, BACKUP = 1, 2
FRESH = {PSA: Source(PSA, "cw", "connectwise", NOW, False), BACKUP: Source(BACKUP, "datto", "datto", NOW, False)}
TB, TIB = 10**12, 2**40


def storage_check(billing: StorageBilling) -> Check:
    return Check(1, "Backup storage", Side(PSA, "cw", ("billed:BK-TB",)), Side(BACKUP, "datto", ("storage:bytes",)),
                 storage=billing)


def result(billing: StorageBilling, billed: str, stored_bytes: int) -> CheckResult:
    check = storage_check(billing)
    readings = {(1, "billed"): [Reading("250", Decimal(billed), Decimal(billed) * 40, Decimal(billed))],
                (1, "usage"): [Reading("org-1", Decimal(stored_bytes))]}
    [found] = evaluate([check], clients={10: "Acme Corp"}, links={(PSA, "250"): 10, (BACKUP, "org-1"): 10},
                       account_names={}, readings=readings, sources=FRESH)
    return found


def test_billed_2_tb_against_2_3_tb_used_is_under_by_one_started_tb_at_the_lines_price() -> None:
    found = result(StorageBilling("TB", "started"), "2", 2_300_000_000_000)
    assert (found.status, found.actual, found.variance, found.impact) == (Status.UNDER, 3, 1, 40)
    assert found.unit == "TB"
    assert found.note == "2.3 TB used, billed per started TB (decimal units, 1 TB = 10^12 bytes)"


def test_the_first_tb_included_makes_2_3_tb_a_match_for_a_line_of_2() -> None:
    found = result(StorageBilling("TB", "started", Decimal(1)), "2", 2_300_000_000_000)
    assert (found.status, found.actual) == (Status.MATCHED, 2)
    assert "first 1 TB included" in found.note


def test_storage_within_the_included_quantity_bills_nothing() -> None:
    found = result(StorageBilling("TB", "started", Decimal(1)), "1", 800_000_000_000)
    assert (found.status, found.actual, found.variance, found.impact) == (Status.OVER, 0, -1, -40)


def test_exactly_whole_units_are_not_rounded_up() -> None:
    assert StorageBilling("TB").billable(Decimal(3 * TB)) == 3
    assert StorageBilling("TB").billable(Decimal(3 * TB + 1)) == 4


def test_binary_units_are_used_only_when_the_check_says_so_and_the_note_says_which() -> None:
    two_tib = Decimal(2 * TIB)  # 2.2 decimal TB
    assert StorageBilling("TiB").billable(two_tib) == 2
    assert StorageBilling("TB").billable(two_tib) == 3
    assert "binary units, 1 TiB = 2^40 bytes" in StorageBilling("TiB").note(two_tib)


def test_exact_rounding_bills_hundredths_of_a_gb() -> None:
    found = result(StorageBilling("GB", "exact"), "500", 512_345_000_000)
    assert (found.status, found.actual, found.unit) == (Status.UNDER, Decimal("512.35"), "GB")
    assert "per GB to 0.01" in found.note


@pytest.mark.parametrize(("unit", "rounding", "included", "message"), [
    ("furlongs", None, None, "unit must be one of GB, TB, GiB, TiB"),
    ("TB", "nearest", None, "rounding must be started or exact"),
    (None, "started", None, "need --unit"),
    (None, None, Decimal(1), "need --unit"),
])
def test_a_mistyped_storage_billing_is_refused_in_words(unit, rounding, included, message) -> None:
    with pytest.raises(Invalid, match=message):
        storage_billing(unit, rounding, included)


def test_units_are_read_whatever_their_case_and_none_means_plain_units() -> None:
    assert storage_billing("tib", "EXACT") == StorageBilling("TiB", "exact")
    assert storage_billing(None) is None and storage_billing("  ") is None
