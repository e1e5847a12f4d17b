"""`billrec review …`: the report thread's three decisions from the command line (issue 15, item 4).

The world is the Slack tests' small MSP: Acme billed 10 and using 13 (under by 3 at $50),
Bluebird billed 25 and using 21 (over by 4), Cedar matched. The CLI works on the same database.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.fakes import ScriptedBilling
from tests.slack.conftest import CLIENTS, SETUP, billing_records, build_world

CHECK = "Managed workstations"


@pytest.fixture
def billrec(cli_env, services):
    build_world(services)
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), env=cli_env, prog_name="billrec")
        assert result.exit_code == code, result.output + result.stderr
        return result
    return run


def acme(services) -> dict:
    [found] = [r for r in services.reconciler.run("local", "Acme").results]
    return found


def decisions(billrec) -> dict:
    return json.loads(billrec("review", "list", "--all", "--format", "json").stdout)


def day(services, days: int = 0) -> str:
    return (services.context.clock() + timedelta(days=days)).date().isoformat()


def test_a_fix_is_pending_until_a_sync_shows_the_bill_corrected_then_resolved_with_the_money(billrec, services):
    out = billrec("review", "fixed", "Acme", CHECK, "--by", day(services, 30), "--note", "invoice 1042").stdout
    assert "fix pending" in out and "billed 10, actual 13" in out
    shown = json.loads(billrec("reconcile", "--format", "json").stdout)
    [row] = [r for r in shown["results"] if r["client"] == "Acme Corp"]
    assert row["status"] == "under" and row["note"].startswith("fix pending: billing fix by ")

    ScriptedBilling.script = billing_records({**CLIENTS, "acme": ("Acme Corp", 13, 13)})
    services.context.clock.advance(minutes=5)
    assert services.syncs.run("local", "psa", SETUP).ok
    [fix] = decisions(billrec)["fixes"]
    assert (fix["state"], fix["billed_after"], fix["recovered"]) == ("resolved", "13.0000", "150.0000")
    assert acme(services).review == "resolved" and acme(services).status.value == "matched"
    assert "$150.00/mo recovered" in billrec("review", "list", "--all").stdout


def test_a_sync_that_does_not_change_the_bill_keeps_the_fix_pending_and_past_its_day_it_reopens(billrec, services):
    billrec("review", "fixed", "Acme", CHECK, "--by", day(services, 3))
    services.context.clock.advance(minutes=5)
    assert services.syncs.run("local", "psa", SETUP).ok  # the same bill: nothing confirmed yet
    assert acme(services).review == "fix pending"
    assert decisions(billrec)["fixes"][0]["state"] == "pending"

    services.context.clock.advance(days=4)
    assert services.syncs.run("local", "psa", SETUP).ok and services.syncs.run("local", "rmm", SETUP).ok
    [fix] = decisions(billrec)["fixes"]
    assert (fix["state"], fix["shown"]) == ("reopened", "still open")
    assert acme(services).note.startswith("still open: billing fix by ") and acme(services).status.value == "under"


def test_an_asset_declared_not_billable_leaves_that_checks_actual_and_stays_out_after_a_sync(billrec, services):
    out = billrec("review", "not-billable", "Acme", CHECK, "--asset", "PC-acme-12", "--reason", "our lab").stdout
    assert "PC-acme-12 (rmm · Acme Corp) no longer counts in Acme Corp / Managed workstations" in out
    assert acme(services).actual == Decimal(12)
    services.context.clock.advance(minutes=5)
    assert services.syncs.run("local", "rmm", SETUP).ok
    assert acme(services).actual == Decimal(12) and acme(services).variance == Decimal(2)
    [excluded] = decisions(billrec)["not_billable"]
    assert (excluded["asset"], excluded["reason"], excluded["active"]) == ("PC-acme-12", "our lab", True)

    billrec("review", "billable", str(excluded["id"]))
    assert acme(services).actual == Decimal(13)


def test_a_whole_account_declared_not_billable_counts_nothing(billrec, services):
    billrec("review", "not-billable", "Bluebird", CHECK, "--reason", "billed on another contract")
    [bluebird] = services.reconciler.run("local", "Bluebird").results
    assert (bluebird.billed, bluebird.actual) == (Decimal(25), Decimal(0))


def test_acknowledge_is_an_exception(billrec, services):
    billrec("review", "ack", "Acme", CHECK, "--reason", "loaner laptops", "--until", day(services, 20))
    assert acme(services).status.value == "excepted"
    [ack] = decisions(billrec)["acknowledged"]
    assert ack["reason"] == "loaner laptops"


def test_refusals_say_why_and_write_nothing(billrec, services):
    out = billrec("review", "fixed", "Cedar", CHECK, "--by", day(services, 5), code=1).stderr
    assert "Cedar Dental is matched on Managed workstations: there is no variance" in out
    assert "already past" in billrec("review", "fixed", "Acme", CHECK, "--by", day(services, -2), code=1).stderr
    assert "no asset named 'PC-nope'" in billrec("review", "not-billable", "Acme", CHECK, "--asset", "PC-nope",
                                                 "--reason", "x", code=1).stderr
    billrec("review", "fixed", "Acme", CHECK, "--by", day(services, 5))
    assert "already has a billing fix pending" in billrec("review", "fixed", "Acme", CHECK, "--by",
                                                          day(services, 6), code=1).stderr
    assert [f["client"] for f in decisions(billrec)["fixes"]] == ["Acme Corp"]
    assert decisions(billrec)["not_billable"] == []
