"""The truth's storage check (issue 13): a PSA line billed per started TB beyond the first TB free,
with under, over and matched clients planted in every world, the started-TB rounding among them."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

import sandbox
from sandbox.choice import demo_checks, specs
from sandbox.truth import build_world, checks
from sandbox.truth.answers import answer_key
from sandbox.truth.changes import grow_storage
from sandbox.vendors import VENDORS

STORAGE = next(c for c in checks.CATALOG if c.name == checks.BACKUP_STORAGE)
TB = Decimal(10**12)


@pytest.mark.parametrize(("clients", "seed"), [(60, 7), (20, 11), (30, 3)])
def test_every_world_plants_a_line_billed_for_the_tb_rounded_down_one_too_many_and_one_exact(clients, seed) -> None:
    world = build_world(clients=clients, seed=seed)
    stored = {c.canonical: Decimal(c.storage[-1].bytes) for c in world.clients if c.storage}
    key = {e.client: e for e in answer_key(world, [STORAGE]) if e.client in stored}
    rounded_down = [e for e in key.values() if e.status == "under" and e.variance == 1
                    and (stored[e.client] / TB - 1) % 1 and e.billed == int(stored[e.client] / TB - 1)]
    assert rounded_down, "a line billing the TB used beyond the free one rounded down: under by one started TB"
    assert rounded_down[0].impact == rounded_down[0].unit_price == Decimal("40.0000")
    assert any(e.status == "over" for e in key.values()) and any(e.status == "matched" for e in key.values())


def test_the_first_tb_is_included_so_a_client_storing_less_bills_nothing_and_matches(world) -> None:
    small = [c for c in world.clients if c.storage and c.storage[-1].bytes <= 10**12]
    key = {e.client: e for e in answer_key(world, [STORAGE])}
    for customer in small:
        assert (key[customer.canonical].actual, key[customer.canonical].status) in ((0, "matched"), (0, "over"))
    assert not any(line.product == "BK-TB" and line.quantity == 0 for c in world.clients for line in c.billing)


@pytest.mark.parametrize("kind", sandbox.kinds_for(sandbox.Role.BACKUP))
def test_each_backup_kind_that_reports_storage_gets_the_storage_check_and_the_others_do_not(kind) -> None:
    choice = sandbox.choose({"psa": "connectwise", "backup": kind})
    names = [s.name for s in specs(choice)]
    assert (checks.BACKUP_STORAGE in names) == (VENDORS[kind].metric("storage:bytes") is not None)
    stated = [c for c in demo_checks(choice) if c["name"] == checks.BACKUP_STORAGE]
    assert all((c["unit"], c["rounding"], c["included"]) == ("TB", "started", "1") for c in stated)


def test_months_on_every_backup_keeps_two_to_six_percent_more_a_month_and_nothing_else_moves(world) -> None:
    grown = grow_storage(world, months=2)
    assert grown.now == world.now and sum(bool(c.storage) for c in world.customers) > 0
    for before, after in zip(world.customers, grown.customers):
        assert dataclasses.replace(after, storage=before.storage) == before
        if not before.storage:
            assert after.storage == ()
            continue
        assert after.storage[:-2] == before.storage
        for last, new in zip(after.storage[-3:], after.storage[-2:]):
            assert Decimal("1.0199") <= Decimal(new.bytes) / last.bytes <= Decimal("1.06")
            assert new.month == date(last.month.year + last.month.month // 12, last.month.month % 12 + 1, 1)
    assert grow_storage(world, months=2) == grown  # the same seed grows alike
