"""The three-way licence check, pure: billed (PSA) vs bought (distributor) vs assigned (the tenant), both
variances with their money, and when over-bought seats can be reduced (NCE terms) — no database, no HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot import text
from connectors.records import Term
from reconcile import csvexport
from reconcile.checks import Check, CheckResult, Reading, Side, Source, Status, evaluate, renewals_due, summarise
from reconcile.terms import Commitment, reducible

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
PSA, GRAPH, PAX8 = 1, 2, 3
THREE_WAY = Check(1, "Microsoft 365", Side(PSA, "cw", ("billed:M365-BP",)), Side(GRAPH, "graph", ("assigned:SPB",)),
                  bought=Side(PAX8, "pax8", ("licenses:MST-365-BP",)))
TWO_SIDED = Check(2, "Microsoft 365 assigned", THREE_WAY.billed, THREE_WAY.usage)
FRESH = {i: Source(i, name, kind, NOW, False) for i, name, kind in
         ((PSA, "cw", "connectwise"), (GRAPH, "graph", "m365"), (PAX8, "pax8", "pax8"))}
CLIENTS = {10: "Acme Corp", 11: "Bluebird Logistics"}
LINKS = {(PSA, "250"): 10, (GRAPH, "t-acme"): 10, (PAX8, "p-acme"): 10,
         (PSA, "251"): 11, (GRAPH, "t-blue"): 11, (PAX8, "p-blue"): 11}
MONTHLY = Term("monthly", "Monthly")
ANNUAL = Term("monthly", "Annual", date(2027, 3, 13))


def bought(account: str, *parts: tuple[int, Term | None], cost: str = "18.70") -> Reading:
    units = Decimal(sum(n for n, _ in parts))
    return Reading(account, units, units * Decimal(cost), units, tuple(Commitment(Decimal(n), t) for n, t in parts))


def run(billed: dict[str, int], assigned: dict[str, int], held: list[Reading], *, check: Check = THREE_WAY,
        sources: dict[int, Source] = FRESH, names: dict | None = None) -> list[CheckResult]:
    readings = {(check.id, "billed"): [Reading(a, Decimal(n), Decimal(n) * 22, Decimal(n)) for a, n in billed.items()],
                (check.id, "usage"): [Reading(a, Decimal(n)) for a, n in assigned.items()],
                (check.id, "bought"): held}
    return evaluate([check], clients=CLIENTS, links=LINKS, account_names=names or {}, readings=readings,
                    sources=sources, at_cost=frozenset({PAX8}), today=TODAY)


def test_a_client_under_billed_against_assigned_seats_while_over_bought_shows_both_variances_and_both_moneys():
    [acme] = run({"250": 10}, {"t-acme": 12}, [bought("p-acme", (15, MONTHLY))])
    assert (acme.status, acme.variance, acme.impact, acme.at_cost) == (Status.UNDER, 2, Decimal(44), False)
    assert (acme.bought, acme.buying_variance, acme.buying) == (15, -3, "over-bought")
    assert (acme.buying_impact, acme.bought_at_cost) == (Decimal("-56.10"), True)
    assert acme.reducible == "reducible now"
    assert text.buying_words(acme) == ("bought 15 · assigned − bought -3 over-bought (seats the MSP pays for that "
                                       "nobody uses) · -$56.10/mo at cost · reducible now")


def test_an_annual_term_is_reducible_only_at_renewal_and_its_date_is_kept_for_the_digest():
    [acme] = run({"250": 10}, {"t-acme": 10}, [bought("p-acme", (14, ANNUAL))])
    assert (acme.status, acme.buying) == (Status.MATCHED, "over-bought")
    assert acme.reducible == "annual term, reducible at renewal on 2027-03-14"
    assert acme.renews_on == date(2027, 3, 14)
    assert renewals_due([acme], TODAY) == [] and renewals_due([acme], date(2027, 2, 20)) == [acme]


def test_seats_assigned_beyond_those_bought_are_said_and_priced_at_cost_with_no_reducibility():
    [blue] = run({"251": 8}, {"t-blue": 9}, [bought("p-blue", (6, MONTHLY))])
    assert (blue.buying, blue.buying_variance, blue.buying_impact, blue.reducible) == (
        "assigned beyond bought", 3, Decimal("56.10"), "")


def test_a_stale_bought_source_makes_the_result_stale_and_compares_nothing():
    stale = FRESH | {PAX8: Source(PAX8, "pax8", "pax8", NOW, True, "last good sync 3 days ago")}
    [acme] = run({"250": 10}, {"t-acme": 12}, [bought("p-acme", (15, MONTHLY))], sources=stale)
    assert acme.status is Status.STALE and "pax8: last good sync 3 days ago" in acme.note
    assert (acme.buying, acme.reducible, acme.buying_impact) == ("", "", None)


def test_a_bought_account_linked_to_no_client_is_unmapped_with_its_bought_count():
    results = run({"250": 10}, {"t-acme": 10}, [bought("p-acme", (10, MONTHLY)), bought("p-lab", (4, MONTHLY))],
                  names={(PAX8, "p-lab"): "MSP Internal Lab"})
    lab = next(r for r in results if r.client == "MSP Internal Lab")
    assert (lab.status, lab.bought, lab.billed, lab.actual) == (Status.UNMAPPED, 4, 0, 0)
    assert "not linked to a client: pax8 account p-lab" in lab.note


@pytest.mark.parametrize(("parts", "over", "today", "said", "renews"), [
    ([(10, MONTHLY)], 3, TODAY, "reducible now", None),
    ([(10, Term("monthly"))], 3, TODAY, "reducible now", None),  # billed monthly, no term: Pax8 without commitmentTerm
    ([(10, ANNUAL)], 3, TODAY, "annual term, reducible at renewal on 2027-03-14", date(2027, 3, 14)),
    ([(10, Term("yearly", "Annual", date(2027, 3, 13), date(2027, 3, 20)))], 1, TODAY,
     "annual term, reducible at renewal on 2027-03-20", date(2027, 3, 20)),  # the source's own renewal date wins
    ([(10, Term("", "3-Year", date(2026, 12, 20)))], 2, TODAY, "triennial term, reducible at renewal on 2026-12-21",
     date(2026, 12, 21)),
    ([(10, Term("", "Annual", date(2027, 11, 29)))], 2, TODAY,  # the term began 2026-11-30: within 7 days
     "reducible now, cancellation window until 2026-12-07", None),
    ([(10, Term("", "Annual", date(2027, 11, 29)))], 2, date(2026, 12, 7),  # the window has closed
     "annual term, reducible at renewal on 2027-11-30", date(2027, 11, 30)),
    ([(10, Term("", "Annual"))], 2, TODAY, "annual term, reducible at renewal (date not given)", None),
    ([(10, Term("monthly", "P1Y", date(2027, 3, 13)))], 2, TODAY, "annual term, reducible at renewal on 2027-03-14",
     date(2027, 3, 14)),  # Partner Center's termDuration
    ([(10, Term("none", "P1M"))], 2, TODAY, "reducible now", None),
    ([(10, None)], 2, TODAY, "term unknown", None),
    ([(4, ANNUAL), (3, MONTHLY)], 5, TODAY, "3 reducible now; 2 annual term, reducible at renewal on 2027-03-14",
     date(2027, 3, 14)),
    ([(4, ANNUAL), (3, MONTHLY)], 2, TODAY, "reducible now", None),  # the monthly part holds them all
])
def test_when_over_bought_seats_can_be_reduced_follows_each_subscriptions_term(parts, over, today, said, renews):
    found = reducible(Decimal(over), [Commitment(Decimal(n), t) for n, t in parts], today)
    assert (found.words, found.renews_on) == (said, renews)


def test_the_csv_gains_the_buying_columns_only_when_a_check_has_a_bought_side():
    two = run({"250": 10}, {"t-acme": 12}, [], check=TWO_SIDED)
    assert next(csv.reader(io.StringIO(csvexport.to_text(two)))) == list(csvexport.HEADER)
    three = run({"250": 10}, {"t-acme": 12}, [bought("p-acme", (15, ANNUAL))]) + two
    rows = list(csv.DictReader(io.StringIO(csvexport.to_text(three))))
    acme = next(r for r in rows if r["Check"] == "Microsoft 365")
    assert (acme["Bought"], acme["Buying variance"], acme["Buying status"], acme["Buying impact"],
            acme["Reducible"]) == ("15", "-3", "over-bought", "-56.10",
                                   "annual term, reducible at renewal on 2027-03-14")
    assert next(r for r in rows if r["Check"] == "Microsoft 365 assigned")["Bought"] == ""


def test_the_json_result_carries_the_buying_side_only_for_a_three_way_check():
    [acme] = run({"250": 10}, {"t-acme": 12}, [bought("p-acme", (15, ANNUAL))])
    shown = text.result_json(acme)
    assert (shown["bought"], shown["buying_variance"], shown["buying"], shown["buying_impact"], shown["renews_on"]) == (
        "15", "-3", "over-bought", "-56.10", "2027-03-14")
    [plain] = run({"250": 10}, {"t-acme": 12}, [], check=TWO_SIDED)
    assert "bought" not in text.result_json(plain)


def test_a_client_whose_tenant_was_not_read_is_never_advised_to_reduce_seats():
    [acme] = run({"250": 10}, {}, [bought("p-acme", (15, MONTHLY))])
    assert (acme.status, acme.actual, acme.bought) == (Status.OVER, 0, 15)
    assert (acme.buying, acme.reducible, acme.buying_impact) == ("", "", None)
    assert "no assigned seats read for this client" in acme.note
    assert text.buying_words(acme) == "bought 15 · not compared: no assigned seats read for this client"


def test_the_summary_counts_the_over_bought_and_their_cost_apart_from_what_clients_are_billed():
    results = run({"250": 10, "251": 8}, {"t-acme": 12, "t-blue": 9},
                  [bought("p-acme", (15, MONTHLY)), bought("p-blue", (6, MONTHLY))])
    summary = summarise(results)
    assert (summary.over_bought, summary.over_bought_at_cost) == (1, Decimal("56.10"))
    assert summary.under_money == Decimal(66) and summary.under_at_cost == 0  # billing money, at sale prices
    assert ("over-bought: 1 client/product pair(s) buy seats nobody is assigned, $56.10/mo at cost"
            in text.cards(summary))
    assert "over-bought" not in text.cards(summarise(run({"250": 10}, {"t-acme": 12}, [], check=TWO_SIDED)))
