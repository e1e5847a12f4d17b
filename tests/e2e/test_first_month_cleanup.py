"""Cleaning up in the first month, on the command line against the sandbox: accounts that are no client,
a disconnected source, and purging its data (issue 9, items 7 and 8)."""

from __future__ import annotations

import json

from sqlalchemy import select

from reconcile.tables import AuditEntry
from tests.e2e.conftest import connect

LAB = "MSP Internal Lab"  # the sandbox's own-lab trap: RMM and security accounts that belong to no client


def link_of(billrec, account: str, integration: str, status: str = "suggested") -> str:
    rows = billrec("links", "list", "--status", status).stdout.splitlines()
    return next(line.split()[0] for line in rows if account in line and f" {integration} " in line)


def reported(billrec) -> set[str]:
    return {r["client"] for r in json.loads(billrec("reconcile", "--format", "json").stdout)["results"]}


def audited(database, action: str) -> list[str]:
    with database.engine.connect() as connection:
        return list(connection.scalars(select(AuditEntry.subject).where(AuditEntry.action == action)))


def checked_world(billrec, world) -> None:
    connect(billrec, world, "connectwise", "ninjaone", "pax8")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Managed workstations", "--billed", "connectwise:billed:MW-01",
            "--usage", "ninjaone:devices:workstation")


def test_the_msps_own_lab_is_ignored_leaves_reports_and_suggestions_and_comes_back(billrec, world, database):
    checked_world(billrec, world)
    lab = link_of(billrec, LAB, "ninjaone")
    rejected = billrec("links", "reject", lab).stdout
    assert rejected.startswith(f"#{lab} rejected: {LAB} (ninjaone)")
    assert "is not None" not in rejected and "stays unmapped in reports until you" in rejected
    assert f"billrec links ignore {lab}" in rejected and f"billrec links create-client {lab}" in rejected
    assert LAB in reported(billrec)

    ignored = billrec("links", "ignore", lab).stdout
    assert f"#{lab} {LAB} (ninjaone) ignored: it leaves reports and suggestions" in ignored
    assert f"billrec links reopen {lab}" in ignored
    assert LAB not in reported(billrec)
    assert LAB not in billrec("links", "suggest").stdout
    assert LAB in billrec("links", "list", "--status", "ignored").stdout
    again = billrec("links", "ignore", lab, ok=False)
    assert again.exit_code == 1 and "already ignored" in again.stderr

    reopened = billrec("links", "reopen", lab).stdout
    assert f"#{lab} {LAB} (ninjaone) reopened" in reopened
    assert LAB in reported(billrec) and LAB in billrec("links", "suggest").stdout
    assert audited(database, "link.ignored") == [LAB] and audited(database, "link.reopen") == [LAB]


def test_a_client_created_from_an_rmm_only_account_is_reported_as_a_client_and_undone(billrec, world, database):
    checked_world(billrec, world)
    lab = link_of(billrec, LAB, "ninjaone")
    created = billrec("links", "create-client", lab, "--name", "Lab Tenant Co").stdout
    assert f"#{lab} {LAB} (ninjaone) → new client Lab Tenant Co" in created
    assert "Lab Tenant Co" in billrec("clients", "lab tenant").stdout
    results = json.loads(billrec("reconcile", "--client", "Lab Tenant Co", "--format", "json").stdout)["results"]
    assert results and {r["status"] for r in results} <= {"under", "over", "matched"}  # a client now, not unmapped
    taken = billrec("links", "create-client", link_of(billrec, LAB, "ninjaone", "approved"), ok=False)
    assert taken.exit_code == 1 and "already linked to Lab Tenant Co" in taken.stderr

    billrec("sync", "connectwise")  # the PSA does not know it: a hand-made client is never retired by a sync
    assert "Lab Tenant Co" in billrec("clients", "lab tenant").stdout
    undone = billrec("links", "reopen", lab).stdout
    assert "client 'Lab Tenant Co' made from this account was removed" in undone
    assert "Lab Tenant Co" not in billrec("clients").stdout and LAB in reported(billrec)
    assert audited(database, "client.create") == ["Lab Tenant Co"]
    assert audited(database, "client.remove") == ["Lab Tenant Co"]


def test_a_disconnected_source_is_named_so_and_still_counts_until_stale(billrec, world):
    checked_world(billrec, world)
    billrec("disconnect", "ninjaone", "--yes")
    table = billrec("reconcile").stdout
    sources = next(line for line in table.splitlines() if line.startswith("Sources:"))
    assert "ninjaone as of " in sources and "(disconnected " in sources
    assert "its last data counts until " in sources and "then its checks are stale" in sources
    statuses = {r["status"] for r in json.loads(billrec("reconcile", "--format", "json").stdout)["results"]}
    assert "under" in statuses and "stale" not in statuses  # its data is used while fresh
    health = next(line for line in billrec("integrations").stdout.splitlines() if line.startswith("ninjaone"))
    assert "disconnected 20" in health


def test_purge_deletes_a_disconnected_sources_data_after_confirmation_and_says_what_snapshots_keep(
        billrec, world, database):
    checked_world(billrec, world)
    billrec("snapshot")
    refused = billrec("purge", "ninjaone", ok=False)
    assert refused.exit_code == 1 and "ninjaone is connected; disconnect it first" in refused.stderr
    billrec("sync", "ninjaone")  # a second run: what is purged is counted once, as synced
    billrec("disconnect", "ninjaone", "--yes")
    no_terminal = billrec("purge", "ninjaone", ok=False)
    assert no_terminal.exit_code == 1 and "run it at a terminal to confirm, or pass --yes" in no_terminal.stderr
    frozen_links = billrec("links", "list").stdout.splitlines()
    assert any(" ninjaone " in line for line in frozen_links)  # refused: nothing deleted
    frozen = billrec("export").stdout

    purged = billrec("purge", "ninjaone", "--yes").stdout
    synced = sum(1 for line in frozen_links if " ninjaone " in line)
    assert purged.startswith(f"Purged ninjaone: deleted {synced} accounts, ") and f"and {synced} links." in purged
    assert "1 snapshot that used it keeps its frozen results" in purged
    assert " ninjaone " not in billrec("links", "list").stdout  # the vendor's account names are gone
    results = json.loads(billrec("reconcile", "--format", "json").stdout)["results"]
    assert {r["status"] for r in results if r["check"] == "Managed workstations"} == {"stale"}
    assert billrec("export").stdout == frozen and LAB in frozen  # the snapshot is untouched
    assert audited(database, "integration.purge") == ["ninjaone"]
    assert billrec("purge", "ninjaone", "--yes", ok=False).stderr.strip().endswith("nothing is left to delete")
