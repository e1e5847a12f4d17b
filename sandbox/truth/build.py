"""Build the world: cast the clients, write each one's truth, add everyone else, and check the
answer key computed from the result keeps every promise the planting made.

    world = build_world(clients=60, seed=7)

Same seed and same `now` → the same world, record for record. `now` defaults to the real current
time so that devices are fresh and lines current when a real connector reads them (a connector
judges "future", "cancelled" and "seen within" against its own clock).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import UTC, datetime

from sandbox.truth import answers, cast, catalog, checks, licences, others
from sandbox.truth.model import Customer, Role, World
from sandbox.truth.names import Name, distinct_names
from sandbox.truth.plan import Line, unmapped
from sandbox.truth.plan import fleet as planned_fleet
from sandbox.truth.writer import Writer

LAB = "MSP Internal Lab"
# device and tenant traps, each planted on this many clients
TRAPS = {"server without security agent": 2, "reinstall duplicate": 2, "decommissioned agent": 2,
         "unmanaged detected endpoint": 2, "device protected twice": 1, "customer under a reseller folder": 1,
         "consent withdrawn": 1, "suspended units": 2, "warning units": 1, "unassigned seats": 12}

__all__ = ["build_world"]


def build_world(clients: int = 60, seed: int = 7, now: datetime | None = None) -> World:
    """The world for `seed`, with `clients` billed clients (at least `cast.MIN_CLIENTS`)."""
    rng = random.Random(seed)
    now = _utc(now or datetime.now(UTC))
    prospect_count = 3 if clients >= 30 else 2
    names = distinct_names(rng, clients + prospect_count + 4)
    client_names, prospects = names[:clients], names[clients:clients + prospect_count]
    deleted, stray, gone, backup_only = names[-4:]
    rng.shuffle(client_names)  # the hostile names come first; spread them among the clients
    # what a result is priced at when its client has no price of its own: the distributor-billed
    # check's is the MSP's cost (a distributor's price is what the MSP pays it)
    prices = {checks.WORKSTATIONS: catalog.MANAGED_WORKSTATION.price,
              checks.DEVICES_VS_LICENSES: catalog.SECURITY.cost, checks.MICROSOFT_365: catalog.M365_BILLED.price}
    plans = cast.plan_clients(rng, client_names, prices)
    writer = Writer(rng, now)
    traps = {trap: set(rng.sample(range(len(plans)), count)) for trap, count in TRAPS.items()}
    built = [writer.client(plan, {t for t, chosen in traps.items() if n in chosen}) for n, plan in enumerate(plans)]

    lab_fleet = planned_fleet(rng, rng.randint(2, 4))
    stray_security = Line(rng.randint(4, 9), catalog.SECURITY.price)
    stray_m365 = Line(rng.randint(3, 12), catalog.M365_LICENSED.price)
    everyone_else = [others.prospect(writer, name) for name in prospects] + [
        others.former_psa(writer, deleted), others.former_distributor(writer, gone),
        others.lab(writer, Name(LAB), lab_fleet), others.distributor_only(writer, stray, (stray_security, stray_m365)),
        others.backup_only(writer, backup_only)]
    numbered = _numbered(rng, built + everyone_else)
    # the three-way licence check's parts, on a random stream of their own: every other draw stays put
    numbered = licences.plant(numbered[:len(built)], seed, now) + numbered[len(built):]
    world = World(seed=seed, now=now, clients=tuple(sorted(numbered[:len(built)], key=_psa_number)),
                  others=tuple(numbered[len(built):]))
    promised = [r for p in plans for r in p.results] + [
        unmapped(LAB, checks.WORKSTATIONS, 0, lab_fleet.fresh, prices[checks.WORKSTATIONS], "the MSP's own lab"),
        unmapped(LAB, checks.DEVICES_VS_LICENSES, 0, lab_fleet.machines, prices[checks.DEVICES_VS_LICENSES],
                 "the MSP's own lab"),
        unmapped(stray.canonical, checks.DEVICES_VS_LICENSES, stray_security.quantity, 0, catalog.SECURITY.cost),
        unmapped(stray.canonical, checks.MICROSOFT_365, 0, stray_m365.quantity, stray_m365.price),
    ]
    _keep_promises(world, promised)
    return world


def _keep_promises(world: World, promised: list[answers.Expected]) -> None:
    """The key computed from the truth must be exactly what the planting promised."""
    computed = set(world.answer_key)
    if computed != set(promised):
        missing, extra = set(promised) - computed, computed - set(promised)
        raise AssertionError(f"the truth breaks the planting's promises: promised, not computed {sorted(map(str, missing))}; "
                             f"computed, not promised {sorted(map(str, extra))}")


def _numbered(rng: random.Random, customers: list[Customer]) -> list[Customer]:
    """Number accounts per role, devices and agents across the MSP, in shuffled (interleaved) order;
    agreements, lines and subscriptions in the order of the customers' PSA and distributor accounts."""
    accounts = {role: [(c, a) for c, customer in enumerate(customers) for a, acc in enumerate(customer.accounts)
                       if acc.role == role] for role in Role}
    numbers: dict[tuple[int, int], int] = {}
    for role, found in accounts.items():
        rng.shuffle(found)
        numbers.update({key: n for n, key in enumerate(found, 1)})
    devices = [(c, d) for c, customer in enumerate(customers) for d in range(len(customer.devices))]
    rng.shuffle(devices)
    device_numbers = {key: n for n, key in enumerate(devices, 1)}
    agent_numbers = itertools.count(1)
    renumbered = []
    for c, customer in enumerate(customers):
        renumbered.append(dataclasses.replace(
            customer,
            accounts=tuple(dataclasses.replace(a, number=numbers[c, n]) for n, a in enumerate(customer.accounts)),
            devices=tuple(dataclasses.replace(
                device, number=device_numbers[c, d],
                security=tuple(dataclasses.replace(s, number=next(agent_numbers)) for s in device.security),
                backup=tuple(dataclasses.replace(b, number=next(agent_numbers)) for b in device.backup))
                for d, device in enumerate(customer.devices))))
    lines, agreements, subscriptions = itertools.count(1), itertools.count(1), itertools.count(1)
    by_psa = sorted(range(len(renumbered)), key=lambda c: _psa_number(renumbered[c]))
    for c in by_psa:
        customer = renumbered[c]
        renumbered[c] = dataclasses.replace(
            customer,
            agreements=tuple(dataclasses.replace(a, number=next(agreements)) for a in customer.agreements),
            billing=tuple(dataclasses.replace(line, number=next(lines)) for line in customer.billing),
            purchases=tuple(dataclasses.replace(s, number=next(subscriptions)) for s in customer.purchases))
    return renumbered


def _psa_number(customer: Customer) -> int:
    return next((a.number for a in customer.accounts if a.role == Role.PSA), 10**9)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
