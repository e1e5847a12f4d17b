"""Two PSAs during a move: the primary's companies are the clients, the other's are suggested, and switching asks."""

from __future__ import annotations

import json

from tests.e2e.conftest import connect


def clients(billrec) -> set[str]:
    return {line.split("  ")[-1].strip() for line in billrec("links", "list").stdout.splitlines()[2:]
            if " connectwise " in f" {line} " and "approved" in line}


def test_the_second_psa_is_suggested_not_founded_and_both_bills_compare(billrec, world):
    connect(billrec, world, "connectwise", "halopsa")
    assert "Primary PSA: connectwise" in billrec("psa", "primary").stdout
    billrec("sync", "--all")
    links = billrec("links", "list").stdout.splitlines()
    halo = [l for l in links if l.split()[1:2] == ["halopsa"]]
    connectwise = [l for l in links if l.split()[1:2] == ["connectwise"]]
    assert halo and connectwise
    assert all("approved" in l for l in connectwise)
    assert all("suggested" in l for l in halo)  # founded nothing: a person approves each one
    assert "same name once case" in billrec("links", "list", "--status", "suggested").stdout

    billrec("links", "approve-above", "0.95")
    assert "halopsa:billed:MW-01" in billrec("metrics", "halopsa").stdout
    billrec("checks", "add", "Both PSAs bill alike", "--billed", "connectwise:billed:MW-01",
            "--usage", "halopsa:billed:MW-01")
    report = json.loads(billrec("reconcile", "--format", "json").stdout)
    # the world bills each client the same in both PSAs: every approved client compares, and matches
    assert len(report["results"]) >= 10
    assert {(r["status"], r["variance"]) for r in report["results"]} == {("matched", "0")}, report["results"][:3]


def test_switching_the_primary_says_what_changes_and_asks(billrec, world):
    connect(billrec, world, "connectwise", "halopsa")
    billrec("sync", "--all")
    before = billrec("links", "list").stdout

    refused = billrec("psa", "primary", "halopsa", ok=False)  # no terminal: told how to confirm
    assert refused.exit_code != 0 and "billrec psa primary halopsa --yes" in refused.output + refused.stderr
    assert "Primary PSA: connectwise" in billrec("psa", "primary").stdout
    assert billrec("links", "list").stdout == before

    listed = {line.split()[0]: line for line in billrec("integrations").stdout.splitlines()[2:]}
    assert "(primary PSA)" in listed["connectwise"] and "primary" not in listed["halopsa"]
    done = billrec("psa", "primary", "halopsa", "--yes").stdout
    assert "halopsa is now the primary PSA" in done
    listed = {line.split()[0]: line for line in billrec("integrations").stdout.splitlines()[2:]}
    assert "(primary PSA)" in listed["halopsa"] and "primary" not in listed["connectwise"]
    assert "Primary PSA: halopsa" in billrec("psa", "primary").stdout
    after = billrec("links", "list").stdout.splitlines()
    halo = [l for l in after if l.split()[1:2] == ["halopsa"]]
    connectwise = [l for l in after if l.split()[1:2] == ["connectwise"]]
    assert halo and all("approved" in l for l in halo)  # its companies are the clients now
    # the same companies in both PSAs: the clients keep their ids, so connectwise's links stay approved
    assert connectwise and all("approved" in l for l in connectwise)


def test_only_a_connected_psa_can_be_the_primary(billrec, world):
    connect(billrec, world, "connectwise", "ninjaone")
    refused = billrec("psa", "primary", "ninjaone", "--yes", ok=False)
    assert "ninjaone is not a PSA" in refused.output + refused.stderr
    again = billrec("psa", "primary", "connectwise", "--yes", ok=False)
    assert "already the primary PSA" in again.output + again.stderr
