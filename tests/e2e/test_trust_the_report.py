"""Trusting the report on the command line (issue 9, items 9–12): a failed sync that is not an
outage, errors that are one line, order and totals that mean what they say, cost that is not price."""

from __future__ import annotations

import json
import re

from tests.e2e.conftest import connect


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
