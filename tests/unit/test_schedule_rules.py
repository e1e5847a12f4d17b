"""The scheduler's rules, without a database or Slack: alert news, month over month, the digest's
choices, and how a job's words become its recorded status."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from reconcile.changes import changes
from reconcile.checks import CheckResult, Source, Status, Summary
from reconcile.schedule.alerts import news, worth_alerting
from reconcile.schedule.digest import SyncNote, chart_months, compared_period, earlier_snapshot, not_fresh
from reconcile.schedule.job_runs import JobStatus, status_of
from reconcile.snapshots import SnapshotInfo

PRICE = Decimal(50)
TAKEN = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def result(client: str, billed: int, actual: int, status: Status, check: str = "Managed workstations") -> CheckResult:
    return CheckResult(client, check, Decimal(billed), Decimal(actual), status, PRICE)


def snapshot(snapshot_id: int, period: str, trigger: str = "manual", under: str = "0") -> SnapshotInfo:
    return SnapshotInfo(snapshot_id, period, TAKEN, "scheduler", trigger, [],
                        Summary(counts={}, under_money=Decimal(under), over_money=Decimal(0)), 0)


ACME = result("Acme", 10, 13, Status.UNDER)  # +3, $150/mo
BLUEBIRD = result("Bluebird", 10, 12, Status.UNDER)  # +2, $100/mo


def test_only_under_billing_above_the_threshold_is_worth_an_alert():
    assert worth_alerting(ACME, Decimal(100))
    assert not worth_alerting(ACME, Decimal(150))  # at the threshold is not above it
    assert not worth_alerting(result("Cedar", 10, 7, Status.OVER), Decimal(0))
    assert not worth_alerting(result("Dune", 10, 13, Status.EXCEPTED), Decimal(0))
    assert not worth_alerting(replace(ACME, at_cost=True), Decimal(0))  # a distributor's cost is no under-billing


def test_news_announces_the_new_and_the_changed_largest_first_and_lapses_the_gone():
    announced = {("Acme", "Managed workstations"): Decimal(3), ("Gone", "Managed workstations"): Decimal(1),
                 ("Bluebird", "Managed workstations"): Decimal("1.00001")}
    under = {("Acme", "Managed workstations"): result("Acme", 10, 15, Status.UNDER),  # +3 → +5
             ("Bluebird", "Managed workstations"): BLUEBIRD,  # +1 → +2
             ("Cedar", "Managed workstations"): result("Cedar", 10, 11, Status.UNDER)}  # new, +1
    found = news(announced, under)
    assert [r.client for r in found.fresh] == ["Acme", "Bluebird", "Cedar"]
    assert found.lapsed == {("Acme", "Managed workstations"), ("Gone", "Managed workstations"),
                            ("Bluebird", "Managed workstations")}


def test_the_same_variance_to_the_fourth_place_is_not_news_again():
    announced = {("Acme", "Managed workstations"): Decimal("3.00001")}
    found = news(announced, {("Acme", "Managed workstations"): ACME})
    assert (found.fresh, found.lapsed) == ((), frozenset())


def test_month_over_month_names_new_under_billing_and_what_was_resolved():
    before = [ACME, result("Bluebird", 10, 8, Status.OVER), result("Cedar", 10, 13, Status.UNDER)]
    now = [result("Acme", 10, 13, Status.UNDER), result("Bluebird", 10, 10, Status.MATCHED),
           result("Cedar", 10, 13, Status.UNDER), result("Dune", 10, 12, Status.UNDER)]
    found = changes(before, now)
    assert [r.client for r in found.new_under] == ["Dune"]
    assert [(old.status, new.status) for old, new in found.resolved] == [(Status.OVER, Status.MATCHED)]
    assert found.under_money == (Decimal(300), Decimal(400))
    assert found.over_money == (Decimal(100), Decimal(0))


def test_the_header_warns_about_stale_sources_and_failed_syncs_once_each():
    sources = [Source(0, "rmm", "ninjaone", None, True, "last sync failed: 503"),
               Source(0, "psa", "connectwise", TAKEN, False)]
    syncs = [SyncNote("rmm", "failed", "503"), SyncNote("psa", "succeeded", "synced"),
             SyncNote("pax8", "held", "totals fell"), SyncNote("m365", "running", "a sync of m365 is already running"),
             SyncNote("sherweb", "busy", "a sync of sherweb is already running")]  # as older journals say it
    assert not_fresh(sources, syncs) == ["rmm: last sync failed: 503", "pax8: sync held (totals fell)"]


def test_a_digest_compares_with_last_month_even_when_that_snapshot_was_filed_later():
    assert compared_period("2026-12", None) is None
    assert compared_period("2026-12", snapshot(4, "2026-11")) == "2026-11"
    assert compared_period("2026-12", snapshot(4, "2026-12")) == "2026-11"


def test_without_last_months_digest_the_newest_earlier_monthly_snapshot_is_compared_first():
    newest_first = [snapshot(9, "2026-12"), snapshot(8, "2026-10"), snapshot(7, "2026-10", "monthly"),
                    snapshot(6, "2026-09")]
    assert earlier_snapshot(newest_first, "2026-12", current_id=9).id == 7
    assert earlier_snapshot([snapshot(8, "2026-10"), snapshot(6, "2026-09")], "2026-12", 9).id == 8
    assert earlier_snapshot([snapshot(9, "2026-12")], "2026-12", 9) is None


def test_the_chart_has_the_newest_snapshot_of_each_earlier_month_then_this_one():
    newest_first = [snapshot(9, "2026-12"), snapshot(8, "2026-10", under="30"), snapshot(7, "2026-10", under="20"),
                    snapshot(6, "2026-09", under="10")]
    months = chart_months("2026-12", newest_first, snapshot(9, "2026-12", under="40"))
    assert [(period, under) for period, under, _ in months] == [
        ("2026-09", Decimal(10)), ("2026-10", Decimal(30)), ("2026-12", Decimal(40))]


def test_a_jobs_words_become_its_status():
    assert status_of("skipped: already posted") is JobStatus.SKIPPED
    assert status_of("failed: Scripted RMM answered 503") is JobStatus.FAILED
    assert status_of("held: totals fell sharply") is JobStatus.HELD
    assert status_of("succeeded; 2 new alert(s)") is JobStatus.SUCCEEDED
    assert status_of("posted to C1: 1 thread parts, CSV and chart") is JobStatus.SUCCEEDED
