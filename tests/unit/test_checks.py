"""The pure evaluation: statuses, variance, money, order — no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from reconcile.checks import Check, CheckResult, Reading, Side, Source, Status, classify, evaluate, summarise

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PSA, RMM = 1, 2
WORKSTATIONS = Check(1, "Managed workstations", Side(PSA, "cw", ("billed:MW-01",)), Side(RMM, "ninja", ("devices:workstation",)))
FRESH = {PSA: Source(PSA, "cw", "connectwise", NOW, False), RMM: Source(RMM, "ninja", "ninjaone", NOW, False)}
CLIENTS = {10: "Acme Corp", 11: "Bluebird Logistics", 12: "Cedar Dental"}
LINKS = {(PSA, "250"): 10, (PSA, "251"): 11, (PSA, "252"): 12, (RMM, "1"): 10, (RMM, "2"): 11, (RMM, "3"): 12}


def billed(account: str, value: str, price: str = "45") -> Reading:
    return Reading(account, Decimal(value), Decimal(value) * Decimal(price), Decimal(value))


def used(account: str, value: str) -> Reading:
    return Reading(account, Decimal(value))


def run(billed_side: list[Reading], usage_side: list[Reading], check: Check = WORKSTATIONS, **kwargs) -> list[CheckResult]:
    options = {"clients": CLIENTS, "links": LINKS, "account_names": {(RMM, "9"): "MSP Internal Lab"},
               "sources": FRESH} | kwargs
    return evaluate([check], readings={(check.id, "billed"): billed_side, (check.id, "usage"): usage_side}, **options)


def plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def table(results: list[CheckResult]) -> list[tuple[str, str, str, str, str | None]]:
    return [(r.client, plain(r.billed), plain(r.actual), r.status.value, plain(r.impact)) for r in results]


@pytest.mark.parametrize(("billed_", "actual", "allowance", "expected"), [
    ("10", "10", "0", Status.MATCHED),
    ("10", "12", "0", Status.UNDER),
    ("12", "10", "0", Status.OVER),
    ("10", "10.4", "0.5", Status.MATCHED),
    ("10", "10.5", "0.5", Status.MATCHED),
    ("10", "10.6", "0.5", Status.UNDER),
    ("0", "0", "0", Status.MATCHED),
])
def test_variance_is_classified_against_the_allowance(billed_, actual, allowance, expected):
    assert classify(Decimal(actual) - Decimal(billed_), Decimal(allowance)) == expected


def test_under_and_over_licensed_clients_carry_variance_and_monthly_impact():
    results = run([billed("250", "10"), billed("251", "8"), billed("252", "5")],
                  [used("1", "12"), used("2", "6"), used("3", "5")])
    assert table(results) == [
        ("Acme Corp", "10", "12", "under", "90"),
        ("Bluebird Logistics", "8", "6", "over", "-90"),
        ("Cedar Dental", "5", "5", "matched", "0"),
    ]
    assert results[0].variance == Decimal(2)


def test_under_licensing_is_listed_first_by_money_at_stake():
    results = run([billed("250", "10", "10"), billed("251", "10", "100"), billed("252", "10")],
                  [used("1", "15"), used("2", "11"), used("3", "8")])
    assert [(r.client, r.status) for r in results] == [
        ("Bluebird Logistics", Status.UNDER),  # +1 × 100 = 100
        ("Acme Corp", Status.UNDER),           # +5 × 10 = 50
        ("Cedar Dental", Status.OVER),
    ]


def test_an_account_without_an_approved_link_is_unmapped_not_dropped():
    results = run([billed("250", "3")], [used("1", "3"), used("9", "7")])
    assert table(results) == [("MSP Internal Lab", "0", "7", "unmapped", None), ("Acme Corp", "3", "3", "matched", "0")]
    assert "not linked" in results[0].note


def test_several_accounts_linked_to_one_client_add_up():
    links = LINKS | {(RMM, "4"): 10}
    results = run([billed("250", "10")], [used("1", "6"), used("4", "6")], links=links)
    assert table(results) == [("Acme Corp", "10", "12", "under", "90")]


def test_stale_source_reports_no_variance():
    sources = FRESH | {RMM: Source(RMM, "ninja", "ninjaone", None, True, "last sync failed: NinjaOne answered 500")}
    results = run([billed("250", "10")], [used("1", "15")], sources=sources)
    assert table(results) == [("Acme Corp", "10", "15", "stale", None)]
    assert "answered 500" in results[0].note
    assert summarise(results).under_money == 0


def test_acknowledged_exception_is_shown_as_excepted_and_not_counted_as_money():
    results = run([billed("250", "10")], [used("1", "15")], excepted=frozenset({(10, WORKSTATIONS.id)}))
    assert [r.status for r in results] == [Status.EXCEPTED]
    assert results[0].impact == Decimal(225)
    assert summarise(results).under_money == 0


def test_an_exception_does_not_hide_a_matched_result():
    results = run([billed("250", "10")], [used("1", "10")], excepted=frozenset({(10, WORKSTATIONS.id)}))
    assert [r.status for r in results] == [Status.MATCHED]


def test_ratio_turns_usage_into_billed_units():
    per_two = Check(2, "Backup per 2 devices", WORKSTATIONS.billed, WORKSTATIONS.usage, ratio=Decimal("0.5"))
    results = run([billed("250", "5")], [used("1", "12")], check=per_two)
    assert table(results) == [("Acme Corp", "5", "6", "under", "45")]


def test_percent_tolerance_allows_more_than_units_when_larger():
    lenient = Check(3, "Lenient", WORKSTATIONS.billed, WORKSTATIONS.usage, tolerance_units=Decimal(1),
                    tolerance_percent=Decimal(10))
    results = run([billed("250", "50"), billed("251", "5")], [used("1", "55"), used("2", "7")], check=lenient)
    assert {r.client: r.status for r in results} == {"Acme Corp": Status.MATCHED, "Bluebird Logistics": Status.UNDER}


def test_a_client_with_usage_but_no_billing_is_priced_at_the_most_common_price():
    results = run([billed("251", "4", "45"), billed("252", "4", "45")], [used("1", "3"), used("2", "4"), used("3", "4")])
    assert table(results)[0] == ("Acme Corp", "0", "3", "under", "135")


def test_quantity_weighted_unit_price_when_a_product_is_billed_twice():
    results = run([billed("250", "3", "40"), billed("250", "1", "60")], [used("1", "5")])
    assert results[0].unit_price == Decimal("45.0000")
    assert results[0].impact == Decimal("45.0000")


def test_summary_counts_statuses_and_money():
    results = run([billed("250", "10"), billed("251", "8"), billed("252", "5")],
                  [used("1", "12"), used("2", "6"), used("3", "5"), used("9", "1")])
    summary = summarise(results)
    assert {s.value: summary.count(s) for s in Status if summary.count(s)} == {
        "under": 1, "over": 1, "matched": 1, "unmapped": 1}
    assert (summary.under_money, summary.over_money) == (Decimal(90), Decimal(90))


def test_a_check_whose_numbers_cannot_be_computed_fails_alone_and_the_others_still_report():
    huge = Check(2, "Per bundle", WORKSTATIONS.billed, WORKSTATIONS.usage, ratio=Decimal("1e30"))  # stored unbounded
    side = {"billed": [billed("250", "10")], "usage": [used("1", "12")]}
    results = evaluate([huge, WORKSTATIONS], clients=CLIENTS, links=LINKS, account_names={}, sources=FRESH,
                       readings={(c.id, s): side[s] for c in (huge, WORKSTATIONS) for s in side})
    assert [(r.check, r.client, r.status) for r in results] == [
        ("Per bundle", "", Status.FAILED), ("Managed workstations", "Acme Corp", Status.UNDER)]
    assert results[0].note == "its numbers cannot be computed (InvalidOperation); correct or re-add the check"
    assert results[0].impact is None and summarise(results).under_money == Decimal(90)
