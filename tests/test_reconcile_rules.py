"""Reconciling through the services: counting rules, check numbers, exceptions in the tenant's own time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.records import Account, Asset, Quantity
from reconcile.audit import Actor
from reconcile.checks import Status
from reconcile.errors import Invalid, NotFound
from reconcile.check_catalog import SideSpec
from reconcile import csvexport
from tests.fakes import BROKEN_REASON, Scripted, ScriptedBilling, stored_before_the_bounds

ADMIN = Actor("U_ADMIN", "cli")


@pytest.fixture
def tenant(services):
    """A PSA billing MW-01 and a licence line (no assets), an RMM with fresh and stale devices."""
    services.context.registry.update({"scripted": Scripted, "scripted_psa": ScriptedBilling})
    ScriptedBilling.metrics = {"billed:*": "Billed units"}
    now = services.context.clock()
    stale = now.replace(year=now.year - 1)
    ScriptedBilling.script = [
        Account(id="250", name="Acme Corp"),
        Quantity(account_id="250", metric="billed:MW-01", value=Decimal(4), unit_price=Decimal(45)),
        Quantity(account_id="250", metric="billed:LIC", value=Decimal(7), unit_price=Decimal(0)),
    ]
    Scripted.script = [
        Account(id="1", name="ACME Corporation"),
        *(Asset(account_id="1", metric="devices:workstation", id=f"pc{i}", name=f"PC{i}", last_seen=now) for i in range(3)),
        Asset(account_id="1", metric="devices:workstation", id="old", name="OLD", last_seen=stale),
        Quantity(account_id="1", metric="devices:workstation", value=Decimal(4)),
        Quantity(account_id="1", metric="devices:server", value=Decimal(2)),  # a metric with no assets
    ]
    for kind, name in (("scripted_psa", "psa"), ("scripted", "rmm")):
        services.integrations.connect("local", kind, name, {"api_key": "k-123456"}, ADMIN)
        assert services.syncs.run("local", name, ADMIN).ok
    services.links.suggest("local", ADMIN, approve_above=0.95)
    yield services
    Scripted.script, ScriptedBilling.script = [], []


def only(services, check: str):
    [result] = [r for r in services.reconciler.run("local").results if r.check == check]
    return result


def test_seen_within_counts_only_fresh_devices(tenant):
    tenant.checks.add("local", "Workstations", SideSpec("psa", ["billed:MW-01"]),
                      SideSpec("rmm", ["devices:workstation"]), ADMIN, seen_within_days=30)
    result = only(tenant, "Workstations")
    assert (result.billed, result.actual, result.status) == (4, 3, Status.OVER)


def test_seen_within_on_a_metric_without_assets_keeps_its_quantity(tenant):
    tenant.checks.add("local", "Servers", SideSpec("psa", ["billed:MW-01"]), SideSpec("rmm", ["devices:server"]),
                      ADMIN, seen_within_days=30)
    assert only(tenant, "Servers").actual == 2


def test_a_check_that_cannot_be_evaluated_fails_alone_with_its_reason_and_the_snapshot_keeps_it(tenant):
    tenant.checks.add("local", "Workstations", SideSpec("psa", ["billed:MW-01"]),
                      SideSpec("rmm", ["devices:workstation"]), ADMIN, seen_within_days=30)
    tenant.checks.add("local", "Servers", SideSpec("psa", ["billed:MW-01"]), SideSpec("rmm", ["devices:server"]), ADMIN)
    stored_before_the_bounds(tenant, "Workstations")
    report = tenant.reconciler.run("local")
    assert [(r.check, r.status, r.note) for r in report.results] == [
        ("Workstations", Status.FAILED, BROKEN_REASON), ("Servers", Status.OVER, "")]
    assert report.summary.count(Status.FAILED) == 1
    assert tenant.reconciler.run("local", "acme").results[0].status is Status.FAILED  # narrowed, still told
    taken = tenant.snapshots.take("local", ADMIN)
    frozen = tenant.snapshots.results("local", taken.id)
    assert [(r.check, r.status, r.note) for r in frozen] == [(r.check, r.status, r.note) for r in report.results]
    assert list(csv.reader(io.StringIO(csvexport.to_text(frozen))))[1] == [
        "", "Workstations", "", "", "", "failed", "", "", "", BROKEN_REASON]


def test_a_bundled_service_billed_at_zero_is_priced_at_zero(tenant):
    tenant.checks.add("local", "Licences", SideSpec("psa", ["billed:LIC"]), SideSpec("rmm", ["devices:workstation"]),
                      ADMIN)
    result = only(tenant, "Licences")
    assert (result.unit_price, result.impact) == (0, 0)


def test_a_ratio_written_as_a_fraction_rounds_to_whole_licences(tenant):
    tenant.checks.add("local", "Per three", SideSpec("psa", ["billed:MW-01"]), SideSpec("rmm", ["devices:server"]),
                      ADMIN, ratio="1/3", tolerance_units="0.01")
    result = only(tenant, "Per three")
    assert result.actual == Decimal("0.67")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ratio", "0.00001", "ratio must be between 0.0001 and 10000"),
    ("ratio", "1e999999999", "ratio must be"),
    ("ratio", "0", "ratio must be between"),
    ("ratio", "1/0", "ratio must be a number"),
    ("tolerance_units", "-1", "tolerance must be between 0"),
    ("tolerance_percent", "150", "tolerance % must be between 0 and 100"),
    ("tolerance_units", "NaN", "tolerance must be between"),
])
def test_check_numbers_the_database_cannot_keep_are_refused(tenant, field, value, message):
    with pytest.raises(Invalid, match=message):
        tenant.checks.add("local", "Bad", SideSpec("psa", ["billed:MW-01"]), SideSpec("rmm", ["devices:server"]),
                          ADMIN, **{field: value})
    assert [c.name for c in tenant.checks.list("local")] == []


def test_removing_a_check_needs_its_whole_name(tenant):
    tenant.checks.add("local", "Microsoft 365", SideSpec("psa", ["billed:LIC"]), SideSpec("rmm", ["devices:server"]),
                      ADMIN)
    with pytest.raises(NotFound):
        tenant.checks.remove("local", "Micro", ADMIN)
    assert tenant.checks.remove("local", "microsoft 365", ADMIN) == "Microsoft 365"


def test_an_exception_lasts_to_the_end_of_its_day_in_the_tenants_time_zone(tenant, clock):
    tenant.checks.add("local", "Workstations", SideSpec("psa", ["billed:MW-01"]),
                      SideSpec("rmm", ["devices:workstation"]), ADMIN, seen_within_days=30)
    tenant.tenants.update("local", ADMIN, timezone="Pacific/Auckland", stale_after_hours=24 * 30)
    clock.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # already 1 December, 01:00, in Auckland
    with pytest.raises(Invalid, match="already past"):
        tenant.exceptions.add("local", "Acme", "Workstations", "loaners", ADMIN, until=date(2026, 11, 30))
    tenant.exceptions.add("local", "Acme", "Workstations", "loaners", ADMIN, until=date(2026, 12, 1))
    assert only(tenant, "Workstations").status is Status.EXCEPTED
    clock.now = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # 2 December, 00:30, in Auckland
    assert only(tenant, "Workstations").status is Status.OVER


def test_a_snapshot_can_be_filed_under_the_month_it_was_due(tenant):
    taken = tenant.snapshots.take("local", ADMIN, trigger="monthly", period="2026-10")
    assert tenant.snapshots.latest("local", "2026-10").id == taken.id


@pytest.mark.parametrize(("change", "message"), [
    ({"stale_after_hours": "99999999999999999999"}, "stale-after must be between 1 and"),
    ({"alert_threshold": "NaN"}, "alert threshold must be an amount"),
    ({"alert_threshold": "1e999999"}, "alert threshold must be an amount"),
])
def test_settings_that_would_break_every_later_reconcile_are_refused(tenant, change, message):
    with pytest.raises(Invalid, match=message):
        tenant.tenants.update("local", ADMIN, **change)
    tenant.reconciler.run("local")
