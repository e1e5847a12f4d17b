"""The seeded world: deterministic, self-consistent, and planted with every status the demo checks can give."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal

import pytest
from rapidfuzz import fuzz

from sandbox import catalog
from sandbox.changes import add_devices
from sandbox.model import MATCHED, OVER, STATUSES, UNDER, UNMAPPED, World
from sandbox.names import normalise
from sandbox.world import build_world, demo_checks
from tests.sandbox.conftest import NOW
from tests.sandbox.truth import counted_by_account

CHECKS = catalog.CHECK_NAMES


def test_the_same_seed_builds_the_same_world(world: World) -> None:
    assert build_world(clients=60, seed=7, now=NOW) == world


def test_another_seed_builds_another_world(world: World) -> None:
    other = build_world(clients=60, seed=8, now=NOW)
    assert [c.name for c in other.clients] != [c.name for c in world.clients]


def test_the_world_refuses_too_few_clients() -> None:
    with pytest.raises(ValueError, match="at least"):
        build_world(clients=5)


@pytest.mark.parametrize(("name", "key"), [
    ("Acme Corp", "acme"), ("ACME Corporation", "acme"), ("Acme Corp.", "acme"), ("Acme, Inc.", "acme"),
    ("Smith & Sons Ltd", "smith and sons"), ("Smith and Sons Limited", "smith and sons"),
    ("O'Brien Family Dental", "obrien family dental"), ("CAFÉ MÜLLER GMBH", "café müller"),
    ("Summit  Dental   Partners LLC", "summit dental partners"),
])
def test_names_normalise_by_the_link_matchers_rules(name: str, key: str) -> None:
    assert normalise(name) == key


def test_every_linked_account_normalises_to_its_clients_name(world: World) -> None:
    orgs = {o.id: o.name for o in world.ninjaone.organizations}
    companies = {c.id: c.name for c in world.pax8.companies}
    for client in world.clients:
        variants = [orgs[i] for i in client.ninjaone_org_ids] + (
            [companies[client.pax8_company_id]] if client.pax8_company_id else [])
        assert {normalise(v) for v in variants} <= {normalise(client.name)}, client.name


def test_most_clients_have_a_ninjaone_org_and_a_pax8_company(world: World) -> None:
    assert sum(1 for c in world.clients if c.ninjaone_org_ids) >= 0.9 * len(world.clients)
    assert sum(1 for c in world.clients if c.pax8_company_id) >= 0.9 * len(world.clients)
    assert sum(1 for c in world.clients if len(c.ninjaone_org_ids) > 1) >= 1


def test_names_are_unique_after_normalisation(world: World) -> None:
    names = [c.name for c in world.connectwise.companies] + [a.name for a in world.unlinked] + [
        c.name for c in world.pax8.companies if c.status == "Deleted"]
    keys = [normalise(n) for n in names]
    assert len(set(keys)) == len(keys)


def test_hostile_names_are_among_the_clients(world: World) -> None:
    names = [c.name for c in world.clients]
    assert any("&" in n for n in names)
    assert any("'" in n for n in names)
    assert any(not n.isascii() for n in names)


def test_hard_variants_stay_well_below_an_auto_approve_score(world: World) -> None:
    assert 1 <= len(world.hard_variants) <= 2
    keys = {normalise(c.name) for c in world.clients}
    for account in world.hard_variants:
        target = normalise(account.name)
        assert target not in keys
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio, fuzz.token_set_ratio, fuzz.WRatio):
            assert scorer(target, normalise(account.client)) < 90, (account.name, scorer.__name__)
        assert fuzz.partial_ratio(target, normalise(account.client)) < 95


def test_orphans_are_one_ninjaone_org_and_one_pax8_company(world: World) -> None:
    assert sorted(a.vendor for a in world.orphans) == ["ninjaone", "pax8"]
    assert all(a.client is None for a in world.orphans)


def test_every_demo_check_has_every_status(world: World) -> None:
    seen = {(e.check, e.status) for e in world.answer_key}
    assert seen == {(check, status) for check in CHECKS for status in STATUSES}


@pytest.mark.parametrize("check", CHECKS)
def test_statuses_follow_the_planted_shares(world: World, check: str) -> None:
    linked = [e.status for e in world.answer_key if e.check == check and e.status != UNMAPPED]
    counts = Counter(linked)
    assert abs(counts[UNDER] / len(linked) - 0.25) < 0.05
    assert abs(counts[OVER] / len(linked) - 0.15) < 0.05
    assert counts[MATCHED] > len(linked) / 2


def test_there_is_one_result_per_client_and_check(world: World) -> None:
    keys = [(e.client, e.check) for e in world.answer_key]
    assert len(keys) == len(set(keys))


def test_variance_status_and_impact_agree(world: World) -> None:
    for e in world.answer_key:
        if e.status == UNMAPPED:
            assert e.impact is None and Decimal(0) in (e.billed, e.actual)
            continue
        assert e.status == (MATCHED if e.variance == 0 else UNDER if e.variance > 0 else OVER)
        assert e.impact == e.variance * e.unit_price


def test_some_clients_are_absent_from_some_checks(world: World) -> None:
    per_check = Counter(e.check for e in world.answer_key if e.status != UNMAPPED)
    assert per_check[catalog.MICROSOFT_365] < len(world.clients)
    assert per_check[catalog.WORKSTATIONS] < len(world.clients)


def test_the_special_cases_are_planted(world: World) -> None:
    workstations = [e for e in world.answer_key if e.check == catalog.WORKSTATIONS and e.status != UNMAPPED]
    assert any(e.status == OVER and e.actual == 0 and e.billed > 0 for e in workstations)
    no_addition = [e for e in workstations if e.status == UNDER and e.billed == 0]
    assert no_addition and no_addition[0].unit_price == catalog.MANAGED_WORKSTATION.price
    assert any(e.unit_price == Decimal("42.50") for e in workstations)  # 45.00 and 40.00, weighted
    m365 = [e for e in world.answer_key if e.check == catalog.MICROSOFT_365]
    assert any(e.unit_price == Decimal("20.00") for e in m365)


def test_the_records_realise_the_answer_key(world: World) -> None:
    counted = counted_by_account(world)
    owner = {("connectwise", str(c.company_id)): c.name for c in world.clients}
    owner |= {("ninjaone", str(i)): c.name for c in world.clients for i in c.ninjaone_org_ids}
    owner |= {("pax8", c.pax8_company_id): c.name for c in world.clients if c.pax8_company_id}
    names = {("ninjaone", a.account_id): a.name for a in world.unlinked if a.vendor == "ninjaone"}
    names |= {("pax8", a.account_id): a.name for a in world.unlinked if a.vendor == "pax8"}
    totals: Counter[tuple[str, str, str]] = Counter()  # (client or account name, check, side) → units
    present: set[tuple[str, str]] = set()
    for (vendor, account, check, side), units in counted.items():
        who = owner.get((vendor, account)) or names[(vendor, account)]
        totals[who, check, side] += units
        present.add((who, check))
    assert present == {(e.client, e.check) for e in world.answer_key}
    for e in world.answer_key:
        assert (totals[e.client, e.check, "billed"], totals[e.client, e.check, "actual"]) == (e.billed, e.actual), e


def test_the_world_holds_what_a_connector_must_skip(world: World) -> None:
    cw, ninja, pax8 = world.connectwise, world.ninjaone, world.pax8
    assert sum(1 for c in cw.companies if c.deleted) == 1
    clients = {c.company_id for c in world.clients}
    assert 2 <= sum(1 for c in cw.companies if c.id not in clients and not c.deleted) <= 3
    assert 1 <= sum(1 for a in cw.agreements if a.cancelled) <= 2
    kinds = Counter(a.bill_customer for a in cw.additions)
    assert kinds["DoNotBill"] and kinds["NoCharge"]
    assert any(a.cancelled and a.cancelled < world.now for a in cw.additions)
    assert any(a.cancelled and a.cancelled > world.now for a in cw.additions)
    assert any(a.effective > world.now for a in cw.additions)
    assert any(a.less_included > 0 for a in cw.additions)
    stale = [d for d in ninja.devices if d.node_class == "WINDOWS_WORKSTATION" and d.approved
             and 60 <= (world.now.timestamp() - d.last_contact) / 86400 <= 200]
    assert stale and any(not d.approved for d in ninja.devices)
    assert all(d.last_contact % 1 for d in ninja.devices)
    classes = {d.node_class for d in ninja.devices}
    assert {"VMWARE_VM_GUEST", "APPLE_IOS", "WINDOWS_SERVER", "MAC"} <= classes | {"HYPERV_VMM_GUEST"}
    assert any(c.startswith("NMS_") for c in classes)
    assert {"Cancelled", "Trial"} <= {s.status for s in pax8.subscriptions}
    assert {p.sku for p in pax8.products} >= {catalog.M365_LICENSED.code, catalog.SECURITY.code}


def test_demo_checks_are_plain_data_for_the_three_checks() -> None:
    checks = demo_checks()
    assert [c["name"] for c in checks] == list(CHECKS)
    assert checks[0] == {
        "name": "Managed workstations",
        "billed": {"integration": "connectwise", "metrics": ["billed:MW-01"]},
        "usage": {"integration": "ninjaone", "metrics": ["devices:workstation"]},
        "seen_within_days": 30, "ratio": "1", "tolerance_units": "0", "tolerance_percent": "0",
    }
    assert checks[1]["billed"] == {"integration": "pax8", "metrics": ["licenses:BDF-GZ-BS"]}
    assert checks[2]["usage"] == {"integration": "pax8", "metrics": ["licenses:MST-M365-BP"]}


def test_adding_devices_moves_the_answer_key(world: World) -> None:
    client = next(c for c in world.clients if c.ninjaone_org_ids and world.expected(c.name, catalog.WORKSTATIONS))
    before = world.expected(client.name, catalog.WORKSTATIONS)
    changed = add_devices(world, client.name, 3)
    after = changed.expected(client.name, catalog.WORKSTATIONS)
    assert after.actual == before.actual + 3 and after.billed == before.billed
    assert after.impact == after.variance * after.unit_price
    assert len(changed.ninjaone.devices) == len(world.ninjaone.devices) + 3
    assert dataclasses.replace(changed, ninjaone=world.ninjaone, answer_key=world.answer_key) == world
    assert counted_by_account(changed) != counted_by_account(world)
