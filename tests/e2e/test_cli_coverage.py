"""The coverage check on the command line against the sandbox: NinjaOne's devices by SentinelOne's agents."""

from __future__ import annotations

import csv
import io
import json

from sandbox.truth.checks import EDR_COVERAGE
from tests.e2e.conftest import connect


def coverage_world(billrec, world) -> None:
    connect(billrec, world, "ninjaone", "sentinelone")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")


def test_a_coverage_check_reports_the_planted_server_by_name_in_table_json_and_csv(billrec, world, tmp_path):
    coverage_world(billrec, world)
    added = billrec("checks", "add", EDR_COVERAGE, "--coverage", "ninjaone:devices:*", "--by", "sentinelone:endpoints:*",
                    "--seen-within", "30").stdout
    assert f"Added coverage check {EDR_COVERAGE!r}" in added
    assert "coverage of ninjaone devices:*" in billrec("checks", "list").stdout
    planted = {d.hostname for c in world.world.customers for d in c.devices if "server without security agent" in d.tags}
    retired = {d.hostname for c in world.world.customers for d in c.devices if "decommissioned agent" in d.tags}
    assert planted and retired

    table = billrec("reconcile").stdout
    assert all(f"{host} (server): no security agent" in table for host in planted)
    assert "coverage gaps" in table and not any(host in table for host in retired)

    report = json.loads(billrec("reconcile", "--format", "json").stdout)
    unprotected = {r["device"] for r in report["results"] if r["status"] == "unprotected"}
    assert planted <= unprotected and report["summary"]["unprotected"] == len(
        [r for r in report["results"] if r["status"] == "unprotected"])

    rows = list(csv.DictReader(io.StringIO(billrec("reconcile", "--format", "csv").stdout)))
    lines = [r for r in rows if r["Status"] == "no security agent"]
    assert {r["Note"].split(" ", 1)[0] for r in lines} == unprotected and len(lines) == len(unprotected)
    assert all(r["Billed"] == "" and r["Monthly impact"] == "" for r in lines)


def test_a_coverage_check_needs_both_sides_and_real_metrics(billrec, world):
    coverage_world(billrec, world)
    half = billrec("checks", "add", "EDR", "--coverage", "ninjaone:devices:*", ok=False)
    assert half.exit_code == 1 and "takes --coverage DEVICES and --by AGENTS" in half.stderr
    typo = billrec("checks", "add", "EDR", "--coverage", "ninjaone:device:*", "--by", "sentinelone:endpoints:*",
                   ok=False)
    assert "--coverage: NinjaOne has no metric matching 'device:*'" in typo.stderr
    assert "No checks yet" in billrec("checks", "list").stdout
