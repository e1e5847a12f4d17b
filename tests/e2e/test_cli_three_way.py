"""The three-way licence check on the command line against the sandbox (issue 11): `billrec checks add
--bought`, its refusals, and `billrec reconcile` showing both variances, as a table and as JSON."""

from __future__ import annotations

import json

import sandbox
from sandbox.truth import checks as truth_checks
from sandbox.vendors import VENDORS
from tests.e2e.conftest import connect

SPEC = next(c for c in truth_checks.CATALOG if c.name == truth_checks.THREE_WAY)
BOUGHT = VENDORS["pax8"].metric("licences:M365-BP")


def three_way(billrec, world, *extra: str) -> None:
    connect(billrec, world, "connectwise", "pax8", "m365")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Microsoft 365 three-way", "--billed", "connectwise:billed:M365-BP",
            "--bought", f"pax8:{BOUGHT}", "--usage", "m365:assigned:SPB", *extra)


def test_billrec_reconcile_reports_the_truths_three_way_key_with_both_variances(billrec, world):
    three_way(billrec, world)
    reported = json.loads(billrec("reconcile", "--format", "json").stdout)["results"]
    expected = sandbox.answer_key(world.world, [SPEC])
    assert {(r["client"], r["billed"], r["bought"], r["actual"], r["status"], r["buying"], r["reducible"])
            for r in reported} == {
        (e.client, f"{e.billed.normalize():f}", f"{e.bought.normalize():f}", f"{e.actual.normalize():f}", e.status,
         e.buying or None, e.reducible or None) for e in expected}
    over_bought = [r for r in reported if r["buying"] == "over-bought"]
    assert over_bought and all(r["bought_at_cost"] and r["buying_impact"].startswith("-") for r in over_bought)
    table = billrec("reconcile").stdout
    assert "Bought" in table and "over-bought" in table and "reducible" in table
    assert f"bought: pax8 {BOUGHT}" in billrec("checks", "list").stdout


def test_a_bought_side_on_another_sides_integration_or_with_a_storage_unit_is_refused_and_nothing_is_added(
        billrec, world):
    connect(billrec, world, "connectwise", "pax8", "m365")
    billrec("sync", "--all")
    same = billrec("checks", "add", "M365", "--billed", "connectwise:billed:M365-BP", "--bought",
                   "m365:purchased:SPB", "--usage", "m365:assigned:SPB", ok=False)
    assert same.exit_code == 1 and "--bought names what the MSP buys, from a third source" in same.stderr
    typo = billrec("checks", "add", "M365", "--billed", "connectwise:billed:M365-BP", "--bought",
                   "pax8:licenses:NOPE", "--usage", "m365:assigned:SPB", ok=False)
    assert typo.exit_code == 1 and "no synced data of pax8 has licenses:NOPE" in typo.stderr
    storage = billrec("checks", "add", "M365", "--billed", "connectwise:billed:M365-BP", "--bought",
                      f"pax8:{BOUGHT}", "--usage", "m365:assigned:SPB", "--unit", "TB", ok=False)
    assert storage.exit_code == 1 and "leave --unit off" in storage.stderr
    assert "No checks yet" in billrec("checks", "list").stdout
