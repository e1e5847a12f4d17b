"""Storage billed per started TB on the command line against the sandbox (issue 13, "Storage units"):
the command in the README, its refusals, and every face of the report showing the unit."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import sandbox
from reconcile.audit import Actor
from sandbox.truth.changes import grow_storage
from sandbox.truth import checks as truth_checks
from tests.e2e.conftest import connect

STORAGE = next(c for c in truth_checks.CATALOG if c.name == truth_checks.BACKUP_STORAGE)


def storage_check(billrec, world, *extra: str) -> None:
    connect(billrec, world, "connectwise", "datto")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Backup storage", "--billed", "connectwise:billed:BK-TB",
            "--usage", "datto:storage:bytes", "--unit", "TB", "--rounding", "started", "--included", "1", *extra)


def test_the_storage_check_reports_the_truths_answer_key_per_started_tb_beyond_the_first(billrec, world):
    storage_check(billrec, world)
    reported = json.loads(billrec("reconcile", "--format", "json").stdout)["results"]
    expected = sandbox.answer_key(world.world, [STORAGE])
    assert {(r["client"], r["billed"], r["actual"], r["status"]) for r in reported} == {
        (e.client, f"{e.billed.normalize():f} TB", f"{e.actual.normalize():f} TB", e.status) for e in expected}
    under = [e for e in expected if e.status == "under" and e.variance == 1]
    assert under, "the world plants a line billed for the TB used rounded down"
    shown = next(r for r in reported if r["client"] == under[0].client)
    assert shown["variance"] == "1 TB" and Decimal(shown["impact"]) == under[0].impact
    assert "TB used, billed per started TB, first 1 TB included (decimal units, 1 TB = 10^12 bytes)" in shown["note"]


def test_the_table_csv_and_check_list_show_terabytes_not_bytes(billrec, world):
    storage_check(billrec, world)
    table = billrec("reconcile").stdout
    assert " TB " in table and "000000000" not in table
    rows = list(csv.DictReader(io.StringIO(billrec("reconcile", "--format", "csv").stdout)))
    assert rows and all(r["Billed"].endswith(" TB") and r["Actual"].endswith(" TB") for r in rows)
    listed = billrec("checks", "list").stdout
    assert "per started TB, first 1 TB included (decimal units, 1 TB = 10^12 bytes)" in listed


def test_binary_units_are_named_in_the_report(billrec, world):
    connect(billrec, world, "connectwise", "datto")
    billrec("sync", "--all")
    billrec("checks", "add", "Backup storage", "--billed", "connectwise:billed:BK-TB",
            "--usage", "datto:storage:bytes", "--unit", "tib")
    notes = [r["note"] for r in json.loads(billrec("reconcile", "--format", "json").stdout)["results"]]
    assert notes and all("binary units, 1 TiB = 2^40 bytes" in n for n in notes)


def test_a_storage_unit_on_a_count_or_an_unknown_unit_is_refused_and_nothing_is_added(billrec, world):
    connect(billrec, world, "connectwise", "datto")
    billrec("sync", "--all")
    counted = billrec("checks", "add", "Servers", "--billed", "connectwise:billed:BK-TB",
                      "--usage", "datto:protected:server", "--unit", "TB", ok=False)
    assert counted.exit_code == 1 and "datto:protected:server is not" in counted.stderr
    furlongs = billrec("checks", "add", "Storage", "--billed", "connectwise:billed:BK-TB",
                       "--usage", "datto:storage:bytes", "--unit", "PB", ok=False)
    assert furlongs.exit_code == 2 and "'PB' is not one of" in furlongs.stderr
    alone = billrec("checks", "add", "Storage", "--billed", "connectwise:billed:BK-TB",
                    "--usage", "datto:storage:bytes", "--included", "1", ok=False)
    assert alone.exit_code == 1 and "need --unit" in alone.stderr
    assert "No checks yet" in billrec("checks", "list").stdout


def test_a_clients_history_shows_the_truths_storage_growing_snapshot_by_snapshot(billrec, world, services):
    storage_check(billrec, world)
    stored = {c.canonical for c in world.world.clients if c.storage and c.storage[-1].bytes > 10**12}
    client = next(e.client for e in sandbox.answer_key(world.world, [STORAGE])
                  if e.client in stored and e.status != "unmapped")
    seen = []
    for period in ("2026-09", "2026-10", "2026-11"):
        seen.append(world.world.client(client).storage[-1].bytes)
        services.snapshots.take("local", Actor("setup", "cli"), period=period)
        world.replace_world(grow_storage(world.world))
        billrec("sync", "--all")
    assert seen == sorted(seen) and len(set(seen)) == 3, "the truth's storage grows month over month"
    trend = " → ".join(f"{(Decimal(b) / 10**12).quantize(Decimal('0.01')).normalize():f} TB" for b in seen)
    history = billrec("history", client).stdout
    assert f"Storage used, month over month:\n  Backup storage: {trend}" in history


def test_a_snapshots_export_and_a_clients_history_keep_the_unit(billrec, world):
    storage_check(billrec, world)
    billrec("snapshot")
    rows = list(csv.DictReader(io.StringIO(billrec("export").stdout)))
    assert rows and all(r["Billed"].endswith(" TB") for r in rows)
    client = next(r["Client"] for r in rows if r["Status"] == "under-licensed")
    history = billrec("history", client).stdout
    assert "Backup storage" in history and " TB" in history
