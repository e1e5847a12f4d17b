"""A synthetic MSP tenant built the way a real one is: connected integrations, syncs, founding, links.

`build(services, scale)` connects a PSA (ConnectWise), an RMM (NinjaOne) and a distributor (Pax8),
syncs each through `Syncs.run` — so the PSA's companies found the clients (named from the
sandbox's name generator, `clients.origin_integration_id` set) and the RMM's and distributor's
organisations, written as other vendors write the same names, are suggested to them by
`Links.suggest` — approves the exact-name suggestions with `Links.approve_above`, and adds the
checks with `Checks.add`. Nothing is inserted behind the services' backs.

The three connectors are the real ones with `test()` and `sync()` replaced by a generator, so the
benchmark measures the database and the core, not HTTP. At scale 1 (`SCALE_1`) the tenant has
5,000 clients, 250,000 RMM devices (50 per client, last seen 0–90 days and 12 hours ago: half a day from any
whole-day window, so a run minutes later counts the same devices), 50,000 PSA and
50,000 distributor quantities and 20 checks; scale K multiplies clients and devices by K. One RMM
organisation in 200 is the MSP's own lab, named like no client, so it stays unmapped.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

import connectors
from connectors.connectwise import ConnectWise
from connectors.ninjaone import NinjaOne
from connectors.pax8 import Pax8
from connectors.records import Account, Asset, Quantity, Record, counted
from reconcile import bootstrap
from reconcile.audit import Actor
from reconcile.check_catalog import SideSpec
from sandbox.truth.names import Name, distinct_names, easy_variant

TENANT = "bench"
ACTOR = Actor("bench", "cli")
SEED = 42
CLIENTS_AT_1, DEVICES_PER_CLIENT, CHECKS = 5000, 50, 20
PRODUCTS = 10  # billed:P00… and licenses:L00…, one quantity per client each
CLASSES = ("workstation", "workstation", "workstation", "server", "mobile", "network")
PSA_PRICE, DISTRIBUTOR_COST = Decimal("45.00"), Decimal("22.00")
LAB_EVERY = 200  # one RMM organisation in this many is the MSP's own lab: no client


@dataclass(frozen=True)
class World:
    """What the three synthetic vendors report; every client's numbers come from its own seeded draw."""

    clients: int
    now: datetime

    def names(self) -> list[Name]:
        return distinct_names(random.Random(SEED), self.clients)

    def draw(self, client: int, side: str) -> random.Random:
        return random.Random(f"{SEED}-{side}-{client}")


class _Synthetic:
    """Mix-in: a real connector class whose test passes and whose sync yields `world` instead of calling out."""

    world: ClassVar[World | None] = None

    def test(self) -> None:
        return None

    def sync(self) -> Iterator[Record]:
        assert self.world is not None, "bench.tenant.build sets the world first"
        return self.records(self.world)

    def records(self, world: World) -> Iterator[Record]:
        raise NotImplementedError


class BenchPsa(_Synthetic, ConnectWise):
    def records(self, world: World) -> Iterator[Record]:
        for c, name in enumerate(world.names(), start=1):
            rng = world.draw(c, "psa")
            yield Account(id=f"co-{c}", name=name.canonical)
            for p in range(PRODUCTS):
                yield Quantity(account_id=f"co-{c}", metric=f"billed:P{p:02d}", value=Decimal(rng.randint(0, 40)),
                               unit_price=PSA_PRICE)


class BenchRmm(_Synthetic, NinjaOne):
    def records(self, world: World) -> Iterator[Record]:
        return counted(self._devices(world))

    def _devices(self, world: World) -> Iterator[Record]:
        spelling = random.Random(SEED)
        for c, name in enumerate(world.names(), start=1):
            rng = world.draw(c, "rmm")
            org = f"ni-{c}"
            lab = c % LAB_EVERY == 0
            yield Account(id=org, name=f"Lab {c} (MSP internal)" if lab else easy_variant(spelling, name))
            for d in range(DEVICES_PER_CLIENT):
                cls = CLASSES[rng.randrange(len(CLASSES))]
                yield Asset(account_id=org, metric=f"devices:{cls}", id=f"{c}-{d}", name=f"PC-{c}-{d}",
                            last_seen=world.now - timedelta(days=rng.randint(0, 90), hours=12))


class BenchDistributor(_Synthetic, Pax8):
    def records(self, world: World) -> Iterator[Record]:
        spelling = random.Random(SEED + 1)
        for c, name in enumerate(world.names(), start=1):
            rng = world.draw(c, "distributor")
            yield Account(id=f"pa-{c}", name=easy_variant(spelling, name))
            for p in range(PRODUCTS):
                yield Quantity(account_id=f"pa-{c}", metric=f"licenses:L{p:02d}", value=Decimal(rng.randint(0, 40)),
                               unit_price=DISTRIBUTOR_COST)


KINDS: dict[str, type] = {"connectwise": BenchPsa, "ninjaone": BenchRmm, "pax8": BenchDistributor}
SETTINGS = {
    "connectwise": {"company_id": "bench", "public_key": "bench", "private_key": "bench", "client_id": "bench"},
    "ninjaone": {"client_id": "bench", "client_secret": "bench"},
    "pax8": {"client_id": "bench", "client_secret": "bench"},
}


def clients_at(scale: float) -> int:
    """How many clients scale K has (at least one)."""
    return max(1, round(CLIENTS_AT_1 * scale))


def registry() -> dict[str, type]:
    """The production registry with the three synthetic vendors in their kinds' places."""
    return {**connectors.REGISTRY, **KINDS}


def build(services: bootstrap.Services, scale: float = 1, *, now: datetime | None = None) -> World:
    """Connect, sync, link and add the checks; returns the world the vendors reported."""
    world = World(clients_at(scale), now or datetime.now(UTC))
    for cls in KINDS.values():
        cls.world = world
    services.tenants.ensure(TENANT)
    for kind in ("connectwise", "ninjaone", "pax8"):  # the PSA first: its companies found the clients
        services.integrations.connect(TENANT, kind, kind, SETTINGS[kind], ACTOR)
        outcome = services.syncs.run(TENANT, kind, ACTOR)
        if not outcome.ok:
            raise RuntimeError(f"the bench sync of {kind} did not succeed: {outcome.message}")
    services.links.approve_above(TENANT, 1.0, ACTOR)
    for k in range(CHECKS):
        billed = SideSpec("connectwise", [f"billed:P{k // 2:02d}"])
        if k % 2 == 0:  # PSA vs RMM; a quarter of all checks count only devices seen within 30 days
            metrics = ["devices:workstation"] if k % 4 == 0 else ["devices:workstation", "devices:server"]
            services.checks.add(TENANT, f"Check {k:02d}", billed, SideSpec("ninjaone", metrics), ACTOR,
                                seen_within_days=30 if k % 4 == 0 else None)
        else:  # PSA vs distributor
            services.checks.add(TENANT, f"Check {k:02d}", billed, SideSpec("pax8", [f"licenses:L{k // 2:02d}"]),
                                ACTOR)
    return world
