"""The seeded truth: deterministic, self-consistent, and planted with every status the planted checks can give."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal

import pytest
from rapidfuzz import fuzz

from sandbox.truth import build, catalog, checks
from sandbox.truth.answers import MATCHED, OVER, STATUSES, UNDER, UNMAPPED
from sandbox.truth.changes import add_devices
from sandbox.truth.model import (
    BILLABLE,
    CANCELLED,
    DO_NOT_BILL,
    NO_CHARGE,
    TRIAL,
    DeviceClass,
    Kind,
    Linking,
    Role,
    World,
)
from sandbox.truth.names import normalise
from sandbox.truth.build import build_world
from tests.truth.conftest import NOW

CHECKS = tuple(c.name for c in checks.PLANTED)


def test_the_same_seed_builds_the_same_world(world: World) -> None:
    assert build_world(clients=60, seed=7, now=NOW) == world


def test_another_seed_builds_another_world(world: World) -> None:
    other = build_world(clients=60, seed=8, now=NOW)
    assert [c.canonical for c in other.clients] != [c.canonical for c in world.clients]


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
    for client in world.clients:
        linked = [a.name for a in client.accounts if a.linking == Linking.EASY]
        assert {normalise(n) for n in linked} == {normalise(client.canonical)}, client.canonical


def test_most_clients_have_an_rmm_and_a_distributor_account(world: World) -> None:
    assert sum(1 for c in world.clients if c.accounts_of(Role.RMM)) >= 0.9 * len(world.clients)
    assert sum(1 for c in world.clients if c.accounts_of(Role.DISTRIBUTOR)) >= 0.9 * len(world.clients)
    assert sum(1 for c in world.clients if len(c.accounts_of(Role.RMM)) > 1) >= 1


def test_names_are_unique_after_normalisation(world: World) -> None:
    names = [c.canonical for c in world.customers] + [a.name for a in world.hard_variants]
    keys = [normalise(n) for n in names]
    assert len(set(keys)) == len(keys)


def test_account_names_are_unique_within_a_role(world: World) -> None:
    for role in Role:
        names = [a.name for _, a in world.accounts(role)]
        assert len(names) == len(set(names)), role


def test_hostile_names_are_among_the_clients(world: World) -> None:
    names = [c.canonical for c in world.clients]
    assert any("&" in n for n in names)
    assert any("'" in n for n in names)
    assert any(not n.isascii() for n in names)


def test_hard_variants_stay_well_below_an_auto_approve_score(world: World) -> None:
    assert 1 <= len(world.hard_variants) <= 2
    keys = {normalise(c.canonical) for c in world.clients}
    for account in world.hard_variants:
        target = normalise(account.name)
        assert target not in keys
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio, fuzz.token_set_ratio, fuzz.WRatio):
            assert scorer(target, normalise(account.client)) < 90, (account.name, scorer.__name__)
        assert fuzz.partial_ratio(target, normalise(account.client)) < 95


def test_orphans_are_one_account_each_in_the_rmm_distributor_security_and_backup(world: World) -> None:
    assert Counter(a.role for a in world.orphans) == {Role.RMM: 1, Role.DISTRIBUTOR: 1, Role.SECURITY: 1,
                                                      Role.BACKUP: 1}
    assert all(a.client is None for a in world.orphans)


def test_every_planted_check_has_every_status(world: World) -> None:
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
    assert per_check[checks.MICROSOFT_365] < len(world.clients)
    assert per_check[checks.WORKSTATIONS] < len(world.clients)


def test_the_special_cases_are_planted(world: World) -> None:
    workstations = [e for e in world.answer_key if e.check == checks.WORKSTATIONS and e.status != UNMAPPED]
    assert any(e.status == OVER and e.actual == 0 and e.billed > 0 for e in workstations)
    no_line = [e for e in workstations if e.status == UNDER and e.billed == 0]
    assert no_line and no_line[0].unit_price == catalog.MANAGED_WORKSTATION.price
    assert any(e.unit_price == Decimal("42.50") for e in workstations)  # 45.00 and 40.00, weighted
    m365 = [e for e in world.answer_key if e.check == checks.MICROSOFT_365]
    assert any(e.unit_price == Decimal("20.00") for e in m365)


def test_a_build_that_breaks_a_planted_promise_fails(world: World) -> None:
    promised = list(world.answer_key)
    promised[0] = dataclasses.replace(promised[0], actual=promised[0].actual + 1)
    with pytest.raises(AssertionError, match="breaks the planting's promises"):
        build._keep_promises(world, promised)


def test_the_world_holds_what_a_connector_must_skip(world: World) -> None:
    psa = [a for _, a in world.accounts(Role.PSA)]
    assert sum(1 for a in psa if not a.live) == 1
    assert 2 <= sum(1 for c in world.others if c.kind == Kind.PROSPECT) <= 3
    assert 1 <= sum(1 for c in world.clients for a in c.agreements if a.cancelled) <= 2
    lines = [line for c in world.clients for line in c.billing]
    assert {BILLABLE, DO_NOT_BILL, NO_CHARGE} <= {line.kind for line in lines}
    assert any(line.end and line.end < world.now for line in lines)
    assert any(line.end and line.end > world.now for line in lines)
    assert any(line.start > world.now for line in lines)
    assert any(line.included > 0 for line in lines)
    devices = [d for c in world.clients for d in c.devices]
    stale = [d for d in devices if d.cls == DeviceClass.WORKSTATION and d.rmm == "approved"
             and 60 <= (world.now - d.last_seen).days <= 200]
    assert stale and any(d.rmm == "pending" for d in devices)
    assert set(DeviceClass) <= {d.cls for d in devices}
    assert {"vmware", "hyperv"} <= {d.hypervisor for d in devices if d.cls == DeviceClass.VIRTUAL}
    assert {CANCELLED, TRIAL} <= {s.status for c in world.customers for s in c.purchases}
    assert sum(1 for _, a in world.accounts(Role.DISTRIBUTOR) if not a.live) == 1


def test_adding_devices_moves_the_answer_key(world: World) -> None:
    client = next(c for c in world.clients if any(a.linking == Linking.EASY for a in c.accounts_of(Role.RMM))
                  and world.expected(c.canonical, checks.WORKSTATIONS))
    before = world.expected(client.canonical, checks.WORKSTATIONS)
    changed = add_devices(world, client.canonical, 3)
    after = changed.expected(client.canonical, checks.WORKSTATIONS)
    assert after.actual == before.actual + 3 and after.billed == before.billed
    assert after.impact == after.variance * after.unit_price
    assert len(changed.client(client.canonical).devices) == len(client.devices) + 3
    assert dataclasses.replace(changed, clients=world.clients) == world
