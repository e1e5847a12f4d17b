"""Storage billed per started TB in Slack (issue 13, "Storage units"): `/billrec checks add … --unit TB`,
the modal's unit fields, and the thread showing terabytes with the convention it counts in."""

from __future__ import annotations

from decimal import Decimal

from connectors.records import Quantity
from reconcile.audit import Actor
from sandbox.slack_seed import BILLING
from tests.fakes import Scripted, ScriptedBilling
from tests.slack.conftest import reconcile_thread
from tests.slack.test_discover import open_checks_modal

SETUP = Actor("setup", "cli")
ADD = 'checks add "Backup storage" --billed psa:billed:BK-TB --usage rmm:storage:bytes --unit TB --included 1'


def with_storage(services, world) -> None:
    """Acme billed 2 TB beyond the free one while it stores 3.3 TB: under by one started TB."""
    ScriptedBilling.script = [*ScriptedBilling.script, Quantity(account_id="acme", metric="billed:BK-TB",
                                                                value=Decimal(2), unit_price=Decimal(40))]
    Scripted.script = [*Scripted.script, Quantity(account_id="acme", metric="storage:bytes",
                                                  value=Decimal(3_300_000_000_000))]
    services.syncs.run("local", world.psa, SETUP)
    services.syncs.run("local", world.rmm, SETUP)


def test_a_storage_check_added_with_the_cli_syntax_says_how_it_bills(slack, world, services):
    with_storage(services, world)
    added = slack.run(ADD)
    assert "billed per started TB, first 1 TB included (decimal units, 1 TB = 10^12 bytes)" in added.text
    check = next(c for c in services.checks.list("local") if c.name == "Backup storage")
    assert (check.storage.unit, check.storage.rounding, check.storage.included) == ("TB", "started", 1)


def test_the_reconcile_thread_shows_terabytes_and_the_started_tb_rounding(slack, world, services):
    with_storage(services, world)
    details = reconcile_thread(slack, ADD)
    assert "Backup storage: billed 2 TB, actual 3 TB → *+1 TB* under-licensed · $40.00/mo" in details
    assert "3.3 TB used, billed per started TB, first 1 TB included" in details
    assert "3300000000000" not in details
    [shared] = slack.fake.files(BILLING)
    assert b",Backup storage,2 TB,3 TB,1 TB,under-licensed,40.00,40.00," in shared.content


def test_history_shows_a_clients_storage_used_month_by_month_in_its_unit(slack, world, services):
    with_storage(services, world)
    slack.run(ADD)
    for period, stored in (("2026-09", "2_100_000_000_000"), ("2026-10", "2_300_000_000_000"),
                           ("2026-11", "2_600_000_000_000")):
        Scripted.script = [q for q in Scripted.script if getattr(q, "metric", "") != "storage:bytes"] + [
            Quantity(account_id="acme", metric="storage:bytes", value=Decimal(stored))]
        services.syncs.run("local", world.rmm, SETUP)
        services.snapshots.take("local", SETUP, period=period)
    shown = slack.run("history acme").text
    assert "Storage used, month over month" in shown
    assert "Backup storage: 2.1 TB → 2.3 TB → 2.6 TB" in shown
    assert "2100000000000" not in shown


def test_the_modal_refuses_a_storage_unit_on_a_count_beside_the_unit_field(slack, world, services):
    view = open_checks_modal(slack)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert [o["value"] for o in blocks["check_unit"]["element"]["options"]] == ["GB", "TB", "GiB", "TiB"]
    response = slack.driver.view_submission("checks_submit", {
        "check_name": {"value": "Storage"}, "checks_billed": {"checks_billed": "psa:billed:MW-01"},
        "checks_usage": {"checks_usage": "rmm:devices:workstation"},
        "check_unit": {"check_unit": "TB"}, "check_included": {"value": "1"}}, view_id=view["id"])
    answer = response.json()
    assert answer["response_action"] == "errors" and "rmm:devices:workstation is not" in answer["errors"]["check_unit"]
    assert [c.name for c in services.checks.list("local")] == ["Managed workstations"]
