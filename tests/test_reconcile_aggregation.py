"""Reconciling from sums the database makes: per client over its accounts, seen-within counted there,
and an independent pandas reconciliation (`bench/reference.py`) agreeing with the product row for row."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.records import Account, Asset, Quantity
from reconcile.audit import Actor
from reconcile.check_catalog import SideSpec
from reconcile.checks import Status
from tests.fakes import Scripted, ScriptedBilling

ADMIN = Actor("U_ADMIN", "cli")


@pytest.fixture
def connect(services):
    services.context.registry.update({"scripted": Scripted, "scripted_psa": ScriptedBilling})
    ScriptedBilling.metrics = {"billed:*": "Billed units"}

    def sync(psa: list[object], rmm: list[object]):
        ScriptedBilling.script, Scripted.script = psa, rmm
        for kind, name in (("scripted_psa", "psa"), ("scripted", "rmm")):
            services.integrations.connect("local", kind, name, {"api_key": "k-123456"}, ADMIN)
            assert services.syncs.run("local", name, ADMIN).ok
        services.links.suggest("local", ADMIN, approve_above=0.95)
        return services

    yield sync
    Scripted.script, ScriptedBilling.script = [], []


def workstations(services, **options):
    services.checks.add("local", "Workstations", SideSpec("psa", ["billed:MW-01"]),
                        SideSpec("rmm", ["devices:workstation"]), ADMIN, **options)
    return [(r.client, r.billed, r.actual, r.status, r.unit_price)
            for r in services.reconciler.run("local").results]


def test_an_account_with_assets_but_no_quantity_counts_its_devices_seen_within_the_window(connect, clock):
    stale = clock.now.replace(year=clock.now.year - 1)
    services = connect(
        [Account(id="250", name="Acme Corp"),
         Quantity(account_id="250", metric="billed:MW-01", value=Decimal(2), unit_price=Decimal(45))],
        [Account(id="1", name="ACME Corporation"),
         *(Asset(account_id="1", metric="devices:workstation", id=f"pc{i}", name=f"PC{i}", last_seen=clock.now)
           for i in range(3)),
         Asset(account_id="1", metric="devices:workstation", id="old", name="OLD", last_seen=stale)])
    # no quantity row for the RMM's account: its three fresh devices still count, the stale one does not
    assert workstations(services, seen_within_days=30) == [("Acme Corp", 2, 3, Status.UNDER, Decimal("45.0000"))]


def test_two_accounts_of_one_client_are_one_result_summed_in_the_database(connect, clock):
    stale = clock.now.replace(year=clock.now.year - 1)
    services = connect(
        [Account(id="250", name="Acme Corp"),
         Quantity(account_id="250", metric="billed:MW-01", value=Decimal(6), unit_price=Decimal(45)),
         Account(id="251", name="Bluebird Logistics"),
         Quantity(account_id="251", metric="billed:MW-01", value=Decimal(1), unit_price=Decimal(45))],
        [Account(id="1", name="ACME Corporation"),
         *(Asset(account_id="1", metric="devices:workstation", id=f"a{i}", name=f"A{i}", last_seen=clock.now)
           for i in range(2)),
         Quantity(account_id="1", metric="devices:workstation", value=Decimal(2)),
         Account(id="2", name="Acme, Inc."),  # the same client's second site in the RMM
         Asset(account_id="2", metric="devices:workstation", id="b1", name="B1", last_seen=clock.now),
         Asset(account_id="2", metric="devices:workstation", id="b2", name="B2", last_seen=stale),
         Quantity(account_id="2", metric="devices:workstation", value=Decimal(2)),
         Account(id="9", name="MSP Lab"),  # no client: its own, unmapped result
         Quantity(account_id="9", metric="devices:workstation", value=Decimal(5))])
    assert sorted(workstations(services), key=str) == sorted([
        ("Acme Corp", 6, 4, Status.OVER, Decimal("45.0000")),
        ("Bluebird Logistics", 1, 0, Status.OVER, Decimal("45.0000")),
        ("MSP Lab", 0, 5, Status.UNMAPPED, Decimal("45.0000")),  # priced at what most clients are billed
    ], key=str)
    services.checks.remove("local", "Workstations", ADMIN)
    # within 30 days: site 1's two devices and site 2's fresh one
    assert workstations(services, seen_within_days=30)[0][:4] == ("Acme Corp", 6, 3, Status.OVER)


def test_the_pandas_reference_agrees_with_the_product_on_every_row_of_a_small_bench_tenant(services):
    from bench import reference, tenant  # pandas: in the test extra

    services.context.registry.update(tenant.KINDS)
    tenant.build(services, scale=0.04)  # 200 clients, one lab among the RMM organisations
    results = services.reconciler.run(tenant.TENANT).results
    statuses = {r.status for r in results}
    assert {Status.UNDER, Status.OVER, Status.UNMAPPED} <= statuses  # the comparison covers each kind of row
    assert reference.compare(results, reference.reconcile(services.engine, tenant.TENANT,
                                                                         now=services.context.clock())) == len(results)
