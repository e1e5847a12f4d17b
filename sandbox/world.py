"""A seeded MSP world: clients, what ConnectWise, NinjaOne and Pax8 hold about them, and the answer key.

    world = build_world(clients=60, seed=7)
    world.answer_key        # every check result the product should report, as planted
    world.hard_variants     # NinjaOne orgs that stay unlinked until a human approves them
    demo_checks()           # the three checks the answer key is planted against

Same seed and same `now` → the same world, record for record. `now` defaults to the real current
time so that device `lastContact` values and addition dates are fresh when a real connector reads
them (a connector judges "future" and "cancelled" against its own clock).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from sandbox import (
    catalog,
    client_plan,
    plan,
    world_connectwise,
    world_ninjaone,
    world_pax8,
)
from sandbox.answers import Line, most_common_price, unmapped
from sandbox.catalog import demo_checks
from sandbox.model import Client, Expected, UnlinkedAccount, World
from sandbox.names import distinct_names

ORPHAN_ORG = "MSP Internal Lab"

__all__ = ["World", "build_world", "demo_checks"]


def build_world(clients: int = 60, seed: int = 7, now: datetime | None = None) -> World:
    """Build the world for `seed`, with `clients` PSA clients (at least `plan.MIN_CLIENTS`)."""
    rng = random.Random(seed)
    now = _utc(now or datetime.now(UTC))
    prospect_count = 3 if clients >= 30 else 2
    names = distinct_names(rng, clients + prospect_count + 3)
    client_names, prospects = names[:clients], names[clients:clients + prospect_count]
    deleted_company, pax8_orphan, pax8_gone = names[-3:]
    rng.shuffle(client_names)  # the hostile names come first; spread them among the clients

    prices = {catalog.WORKSTATIONS: catalog.MANAGED_WORKSTATION.price,
              catalog.DEVICES_VS_LICENSES: catalog.SECURITY.price,
              catalog.MICROSOFT_365: catalog.M365_BILLED.price}
    plans = plan.plan_clients(rng, client_names, prices)
    _check_fallback_prices(plans, prices)

    lab = client_plan.fleet(rng, rng.randint(2, 4))
    orphan_security = Line(rng.randint(4, 9), catalog.SECURITY.price)
    orphan_m365 = Line(rng.randint(3, 12), catalog.M365_LICENSED.price)
    cw, companies = world_connectwise.build(rng, now, plans, prospects, deleted_company)
    ninja, org_ids = world_ninjaone.build(rng, now, plans, (ORPHAN_ORG, lab))
    pax8, pax8_ids = world_pax8.build(rng, now, plans, (pax8_orphan, orphan_security, orphan_m365), pax8_gone)

    linked_orgs = {p.name.canonical: tuple(i for i, o in zip(org_ids.get(p.name.canonical, ()), p.orgs) if o.linked)
                   for p in plans}
    world_clients = tuple(
        Client(p.name.canonical, companies[p.name.canonical].id, companies[p.name.canonical].identifier,
               linked_orgs[p.name.canonical], pax8_ids.get(p.name.canonical))
        for p in sorted(plans, key=lambda p: companies[p.name.canonical].id)
    )
    org_by_name = {o.name: o for o in ninja.organizations}
    pax8_by_name = {c.name: c for c in pax8.companies}
    unlinked = tuple(
        UnlinkedAccount("ninjaone", str(org_by_name[o.name].id), o.name, "hard variant", p.name.canonical)
        for p in plans for o in p.orgs if not o.linked
    ) + (
        UnlinkedAccount("ninjaone", str(org_by_name[ORPHAN_ORG].id), ORPHAN_ORG, "orphan"),
        UnlinkedAccount("pax8", pax8_by_name[pax8_orphan.canonical].id, pax8_orphan.canonical, "orphan"),
    )

    orphan_results = (
        unmapped(ORPHAN_ORG, catalog.WORKSTATIONS, 0, lab.fresh, prices[catalog.WORKSTATIONS], "the MSP's own lab"),
        unmapped(ORPHAN_ORG, catalog.DEVICES_VS_LICENSES, 0, lab.machines, prices[catalog.DEVICES_VS_LICENSES],
                 "the MSP's own lab"),
        unmapped(pax8_orphan.canonical, catalog.DEVICES_VS_LICENSES, orphan_security.quantity, 0,
                 orphan_security.price, "a Pax8 customer the PSA does not know"),
        unmapped(pax8_orphan.canonical, catalog.MICROSOFT_365, 0, orphan_m365.quantity, orphan_m365.price,
                 "a Pax8 customer the PSA does not know"),
    )
    return World(
        seed=seed, now=now, clients=world_clients, connectwise=cw, ninjaone=ninja, pax8=pax8,
        answer_key=_sorted([r for p in plans for r in p.results] + list(orphan_results)),
        unlinked=unlinked, fallback_prices=tuple(prices.items()),
    )


def _check_fallback_prices(plans: list[client_plan.Plan], prices: dict[str, Decimal]) -> None:
    """The fallback prices assumed while planting must be the most common ones actually planted."""
    planted = {
        catalog.WORKSTATIONS: most_common_price(p.mw for p in plans),
        catalog.DEVICES_VS_LICENSES: most_common_price(p.security for p in plans),
        catalog.MICROSOFT_365: most_common_price(p.m365_billed for p in plans),
    }
    if planted != prices:
        raise AssertionError(f"planted most-common prices {planted} differ from the assumed {prices}")


def _sorted(results: list[Expected]) -> tuple[Expected, ...]:
    return tuple(sorted(results, key=lambda r: (catalog.CHECK_NAMES.index(r.check), r.client.casefold())))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
