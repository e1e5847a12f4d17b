"""Discovering what can be checked, and typos refused, on the command line against the sandbox (issue 9, 1-2)."""

from __future__ import annotations

import connectors
from tests.e2e.conftest import connect


def synced(billrec, world) -> None:
    connect(billrec, world, "connectwise", "ninjaone", "pax8")
    billrec("sync", "--all")


def line_of(out: str, side: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(side + " "))


def test_metrics_lists_each_synced_metric_with_its_name_accounts_units_and_price(billrec, world):
    synced(billrec, world)
    out = billrec("metrics").stdout
    workstation = line_of(out, "connectwise:billed:MW-01")
    assert "Managed Workstation" in workstation and "accounts" in workstation and "$" in workstation
    assert "Approved workstations" in line_of(out, "ninjaone:devices:workstation")
    assert any(line.startswith("pax8:licenses:") for line in out.splitlines())


def test_metrics_of_one_integration_counts_what_its_data_holds(billrec, world, services):
    synced(billrec, world)
    out = billrec("metrics", "ninjaone").stdout
    assert all(not line.startswith(("connectwise:", "pax8:")) for line in out.splitlines())
    for metric in services.metrics.synced("local", "ninjaone"):
        row = line_of(out, metric.side)
        assert f"{metric.accounts} accounts" in row and f"{metric.units.normalize():f} units" in row
    assert billrec("metrics", "nope", ok=False).exit_code == 1


def test_metrics_before_any_sync_says_to_sync_first(billrec, world):
    connect(billrec, world, "ninjaone")
    assert "Sync first" in billrec("metrics").stdout


def test_kinds_lists_every_registered_kinds_metric_catalog(billrec):
    out = billrec("kinds").stdout
    for cls in connectors.REGISTRY.values():
        for metric, text in cls.metrics.items():
            assert f"{metric} — {text.split()[0]}" in out
    assert "after a sync, `billrec metrics` lists each product by name" in out  # ConnectWise's billed:*


def test_a_mistyped_metric_is_refused_with_the_closest_real_ones(billrec, world):
    synced(billrec, world)
    refused = billrec("checks", "add", "Workstations", "--billed", "connectwise:billed:MW01",
                      "--usage", "ninjaone:devices:workstation", ok=False)
    assert refused.exit_code == 1
    assert "did you mean connectwise:billed:MW-01 (Managed Workstation" in refused.stderr
    assert "--allow-unsynced" in refused.stderr
    assert "No checks yet" in billrec("checks", "list").stdout
    typo = billrec("checks", "add", "Workstations", "--billed", "connectwise:billed:MW-01",
                   "--usage", "ninjaone:devices:workstaton", ok=False)
    assert "did you mean ninjaone:devices:workstation" in typo.stderr


def test_allow_unsynced_adds_a_product_not_yet_billed_anywhere(billrec, world):
    synced(billrec, world)
    billrec("checks", "add", "New product", "--billed", "connectwise:billed:NEW-01",
            "--usage", "ninjaone:devices:workstation", "--allow-unsynced")
    assert "New product" in billrec("checks", "list").stdout


def test_a_check_against_itself_or_with_a_psa_as_usage_is_refused_with_why(billrec, world):
    synced(billrec, world)
    itself = billrec("checks", "add", "Self", "--billed", "ninjaone:devices:workstation",
                     "--usage", "ninjaone:devices:server", ok=False)
    assert itself.exit_code == 1 and "ninjaone is on both sides" in itself.stderr
    backwards = billrec("checks", "add", "Backwards", "--billed", "pax8:licenses:X",
                        "--usage", "connectwise:billed:MW-01", ok=False)
    assert "only says what clients are billed" in backwards.stderr


def test_a_check_on_an_integration_never_synced_asks_for_a_sync(billrec, world):
    connect(billrec, world, "connectwise", "ninjaone")
    refused = billrec("checks", "add", "Workstations", "--billed", "connectwise:billed:MW-01",
                      "--usage", "ninjaone:devices:workstation", ok=False)
    assert "connectwise has not synced yet" in refused.stderr and "sync connectwise" in refused.stderr
