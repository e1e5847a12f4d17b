"""Trusting the report on the command line (issue 9, items 9–12): a failed sync that is not an
outage, errors that are one line, order and totals that mean what they say, cost that is not price."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from tests.e2e.conftest import ENOUGH, connect


def reconciled(billrec, world) -> None:
    """ConnectWise and NinjaOne connected, synced, linked by exact name, one check."""
    connect(billrec, world, "connectwise", "ninjaone")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Managed workstations", "--billed", "connectwise:billed:MW-01",
            "--usage", "ninjaone:devices:workstation")


# -- item 9: one failed sync is not an outage ------------------------------------------------------

def test_a_failed_sync_with_fresh_data_keeps_reporting_under_one_warning_line(billrec, world):
    reconciled(billrec, world)
    before = json.loads(billrec("reconcile", "--format", "json").stdout)
    world.faults.inject("ninjaone", "auth", times=-1)
    failed = billrec("sync", "ninjaone", ok=False)
    assert failed.exit_code == 1

    table = billrec("reconcile").stdout
    first = table.splitlines()[0]
    assert re.fullmatch(r"Warning: ninjaone's last sync failed at \d\d:\d\d UTC \(the vendor refused the "
                        r"credentials, HTTP 401\); figures as of \d\d:\d\d UTC", first), first
    assert table.count("last sync failed") == 1 and "STALE" not in table
    after = json.loads(billrec("reconcile", "--format", "json").stdout)
    assert after["summary"]["stale"] == 0
    assert [(r["client"], r["status"], r["impact"]) for r in after["results"]] == \
        [(r["client"], r["status"], r["impact"]) for r in before["results"]]
    ninja = next(s for s in after["sources"] if s["integration"] == "ninjaone")
    assert ninja["stale"] is False and ninja["last_failure"]["kind"] == "the vendor refused the credentials, HTTP 401"


# -- item 12: cost is not price --------------------------------------------------------------------

def with_distributor_checks(billrec, world) -> dict:
    connect(billrec, world, "connectwise", "ninjaone", "pax8")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Devices vs licenses", "--billed", "pax8:licenses:BDF-GZ-BS",
            "--usage", "ninjaone:devices:workstation,devices:server")
    billrec("checks", "add", "Microsoft 365", "--billed", "connectwise:billed:M365-BP",
            "--usage", "pax8:licenses:MST-M365-BP")
    return json.loads(billrec("reconcile", "--format", "json").stdout)


def test_money_from_a_distributors_cost_is_labelled_at_cost_and_kept_out_of_the_unbilled_total(billrec, world):
    report = with_distributor_checks(billrec, world)
    devices = [r for r in report["results"] if r["check"] == "Devices vs licenses" and r["status"] in ("under", "over")]
    assert devices and all(r["at_cost"] and r["unit_price"] == "1.90" for r in devices)  # Pax8's partnerCost
    assert all(r["note"].startswith("at cost: the unit price is pax8's price to the MSP") for r in devices)
    sale = [r for r in report["results"] if r["status"] == "under" and not r["at_cost"]]
    cost = [r for r in report["results"] if r["status"] == "under" and r["at_cost"]]
    assert sale and cost
    assert report["summary"]["under_money"] == f"{sum(Decimal(r['impact']) for r in sale):.2f}"
    assert report["summary"]["under_at_cost"] == f"{sum(Decimal(r['impact']) for r in cost):.2f}"

    table = billrec("reconcile").stdout
    assert f"${Decimal(report['summary']['under_money']):,.2f}/mo unbilled" in table
    assert (f"at cost (a distributor's price to you, not in the totals above): "
            f"${Decimal(report['summary']['under_at_cost']):,.2f}/mo under") in table
    line = next(l for l in table.splitlines() if devices[0]["client"] in l and "Devices vs licenses" in l)
    assert "at cost" in line


def test_the_psas_sale_price_wins_over_the_distributors_cost_whenever_there_is_one(billrec, world):
    report = with_distributor_checks(billrec, world)
    m365 = [r for r in report["results"] if r["check"] == "Microsoft 365" and r["unit_price"] is not None]
    assert m365 and not [r for r in m365 if r["at_cost"]]
    assert {r["unit_price"] for r in m365} <= {"22.00", "20.00"}  # ConnectWise's prices, never Pax8's 18.70
    # a client (or unlinked Pax8 company) billed none on the PSA is priced at what the PSA bills the others
    unbilled = [r for r in m365 if r["billed"] == "0" and r["actual"] != "0"]
    assert unbilled and {r["unit_price"] for r in unbilled} == {"22.00"}


# -- item 10: errors are one line and carry no data ------------------------------------------------

def billrec_process(cli_env, *args: str) -> subprocess.CompletedProcess[str]:
    """`billrec …` in its own process, as at a shell without a terminal: what stdout and stderr show."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env={**os.environ, **cli_env},
                          stdin=subprocess.DEVNULL, text=True, capture_output=True, timeout=ENOUGH * 2)


@pytest.mark.parametrize(("base_url", "said"), [
    ("https://api.no-such-vendor.invalid",
     "could not be reached at api.no-such-vendor.invalid: DNS failure, the host name does not resolve; "
     "check the API URL (not retried)"),
    ("http://127.0.0.1:9", "could not be reached at 127.0.0.1:9: connection refused after 5 attempts; try again later"),
])
def test_a_first_connect_to_an_unreachable_host_names_it_says_why_once_and_promises_no_kept_data(cli_env, base_url,
                                                                                                 said):
    result = billrec_process(cli_env, "connect", "ninjaone", "--name", "rmm", "--set", f"base_url={base_url}",
                             "--set", "client_id=abc", "--set", "client_secret=s3cr3t-value")
    assert result.returncode == 1
    testing, line = result.stderr.splitlines()  # what it is doing, then the one line of why it failed
    assert testing == "Testing the connection to NinjaOne…"
    assert line.startswith("billrec: NinjaOne: POST /ws/oauth/token ") and line.endswith(said), line
    assert "kept" not in line and "previous" not in line and "WARNING" not in result.stderr
    assert "s3cr3t-value" not in result.stderr + result.stdout


def test_a_refused_key_on_sync_is_one_line_without_the_secret_and_says_the_good_data_is_kept(cli_env, billrec, world):
    connect(billrec, world, "ninjaone")
    billrec("sync", "ninjaone")
    world.faults.inject("ninjaone", "auth", times=-1)
    result = billrec_process(cli_env, "sync", "ninjaone")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("ninjaone: failed: NinjaOne: ") and "answered 401" in line
    assert line.endswith("— the last good data is kept") and len(line) < 400
    secrets = [v for k, v in world.settings("ninjaone").items() if "secret" in k]
    assert secrets and not [s for s in secrets if s in result.stderr + result.stdout]
