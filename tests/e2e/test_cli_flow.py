"""A billing admin's first month on the command line, against the sandbox over HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import connectors
from reconcile.check_catalog import SideSpec
from tests.e2e.conftest import connect
from tests.fakes import BROKEN_REASON, stored_before_the_bounds
from tests.slack.conftest import SETUP, build_world


def connect_all(billrec, world) -> None:
    connect(billrec, world, "connectwise", "ninjaone", "pax8")


def test_connect_sync_link_check_reconcile_snapshot_export(billrec, world, tmp_path):
    connect_all(billrec, world)
    assert "never synced" in billrec("integrations").stdout
    synced = billrec("sync", "--all").stdout
    assert synced.count("synced —") == 3

    suggestions = billrec("links", "suggest").stdout
    assert "same name once case" in suggestions
    approved = billrec("links", "approve-above", "0.95").stdout
    assert approved.startswith("Approved ")
    hard = world.world.unlinked[0]
    line = next(l for l in billrec("links", "list", "--status", "suggested").stdout.splitlines() if hard.name in l)
    link_id = line.split()[0]
    assert "rejected" in billrec("links", "reject", link_id).stdout

    billrec("checks", "add", "Managed workstations", "--billed", "connectwise:billed:MW-01",
            "--usage", "ninjaone:devices:workstation", "--seen-within", "30")
    assert "seen within 30 days" in billrec("checks", "list").stdout

    table = billrec("reconcile").stdout
    assert "UNDER-LICENSED" in table and "Managed workstations" in table
    report = json.loads(billrec("reconcile", "--format", "json").stdout)
    assert report["summary"]["under"] >= 1 and report["results"][0]["status"] == "under"
    first = report["results"][0]
    assert first["variance"] == str(int(first["actual"]) - int(first["billed"]))
    rows = list(csv.reader(io.StringIO(billrec("reconcile", "--format", "csv").stdout)))
    assert rows[0][0] == "Client" and len(rows) == len(report["results"]) + 1

    client = first["client"]
    narrowed = json.loads(billrec("reconcile", "--client", client, "--format", "json").stdout)
    assert {r["client"] for r in narrowed["results"]} == {client}

    assert "Snapshot #1" in billrec("snapshot").stdout
    out = tmp_path / "export.csv"
    billrec("export", "-o", str(out))
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("Client,Check,Billed")
    assert client in billrec("history", client).stdout

    excepted = billrec("except", "add", client, "Managed workstations", "--reason", "loaners until March",
                       "--until", "2099-03-31").stdout
    assert "Exception #1" in excepted
    after = json.loads(billrec("reconcile", "--client", client, "--format", "json").stdout)
    assert after["results"][0]["status"] == "excepted"

    assert "Disconnected ninjaone" in billrec("disconnect", "ninjaone", "--yes").stdout
    assert "disconnected" in billrec("integrations").stdout
    assert client in billrec("history", client).stdout  # snapshots stay


def test_a_held_sync_is_confirmed_from_the_command_line(billrec, world):
    connect_all(billrec, world)
    billrec("sync", "ninjaone")
    world.faults.inject("ninjaone", "drop_pages", times=-1)
    held = billrec("sync", "ninjaone", ok=False)
    assert held.exit_code == 1 and "held for confirmation" in held.stdout and "--confirm ninjaone" in held.stdout
    assert "needs confirmation" in billrec("integrations").stdout
    assert "held sync confirmed" in billrec("sync", "--confirm", "ninjaone").stdout


def test_billrec_demo_runs_from_a_fresh_home(tmp_path):
    env = {**os.environ, "BILLREC_HOME": str(tmp_path / "fresh")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "bot.cli", "demo", "--clients", "20"], env=env, text=True,
                            capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "UNDER-LICENSED" in result.stdout and "the full report is in" in result.stdout
    csv_path = next((tmp_path / "fresh" / "demo").glob("billrec-*.csv"))
    assert csv_path.read_text(encoding="utf-8").startswith("Client,Check,Billed")
    assert "Traceback" not in result.stderr


def test_billrec_kinds_shows_every_connectors_six_setup_facts(billrec):
    shown = " ".join(billrec("kinds").stdout.split())  # the facts are wrapped for the terminal
    for kind, cls in connectors.REGISTRY.items():
        assert f"{kind} — {cls.display_name} ({cls.role.value})" in shown
        for label, _, text in cls.guidance.facts():
            assert f"{label.lower()}: {' '.join(text.split())}" in shown


def test_a_check_that_cannot_be_evaluated_is_reported_failed_and_every_other_check_still_reports(billrec, services):
    build_world(services)  # Acme under-licensed, Bluebird over, Cedar matched
    services.checks.add("local", "Recently seen", SideSpec("psa", ["billed:MW-01"]),
                        SideSpec("rmm", ["devices:workstation"]), SETUP, seen_within_days=30)
    stored_before_the_bounds(services, "Recently seen")
    report = json.loads(billrec("reconcile", "--format", "json").stdout)
    assert report["results"][0] == {"client": None, "check": "Recently seen", "billed": None, "actual": None,
                                    "variance": None, "status": "failed", "unit_price": None, "impact": None,
                                    "at_cost": False, "note": BROKEN_REASON}
    assert [(r["client"], r["status"]) for r in report["results"][1:]] == [
        ("Acme Corp", "under"), ("Bluebird Logistics", "over"), ("Cedar Dental", "matched")]
    assert report["summary"]["failed"] == 1 and report["summary"]["under_money"] == "150.00"
    table = billrec("reconcile").stdout
    assert f"Check 'Recently seen' could not be evaluated: {BROKEN_REASON}" in table and "Acme Corp" in table
    assert "Snapshot #1" in billrec("snapshot").stdout
    rows = list(csv.reader(io.StringIO(billrec("export").stdout)))
    assert rows[1] == ["", "Recently seen", "", "", "", "failed", "", "", "", BROKEN_REASON]
    assert [r[0] for r in rows[2:]] == ["Acme Corp", "Bluebird Logistics", "Cedar Dental"]
