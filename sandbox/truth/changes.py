"""Changes to a world between two syncs; the answer key follows, being computed from the truth.

    world = add_devices(world, "Bluebird Logistics LLC", 3)   # enrolled three workstations today
    world = grow_storage(world)                               # a month on, every backup keeps more
    server.replace_world(world)

The world stays immutable: each change returns a new `World`.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

from sandbox.truth.model import (
    ACTIVE,
    Account,
    Customer,
    Device,
    DeviceClass,
    Linking,
    Role,
    SecurityAgent,
    StorageMonth,
    World,
)


def add_devices(world: World, client: str, count: int, cls: DeviceClass = DeviceClass.WORKSTATION) -> World:
    """The world after `client` enrolled `count` approved devices of `cls`, seen a minute ago, with the
    security agent, at the first site its first linked RMM account holds."""
    customer = world.client(client)
    if _enrolling_account(customer) is None:
        raise ValueError(f"{client} has no linked RMM account to add devices to")
    return grow_fleets(world, {customer.canonical: count}, cls)


def grow_fleets(world: World, counts: dict[str, int], cls: DeviceClass = DeviceClass.WORKSTATION) -> World:
    """The world after each named client enrolled its count of devices as `add_devices` does, in one pass
    (a benchmark grows thousands of fleets); a client with no linked RMM account is left as it is."""
    seen = world.now - timedelta(minutes=1)
    first = max((d.number for c in world.customers for d in c.devices), default=0) + 1
    agent = max((a.number for c in world.customers for d in c.devices for a in d.security + d.backup), default=0) + 1
    clients = []
    for customer in world.clients:
        account, count = _enrolling_account(customer), counts.get(customer.canonical, 0)
        if account is None or count <= 0:
            clients.append(customer)
            continue
        tier = next((a.tier for d in customer.devices for a in d.security), "advanced")
        added = tuple(
            Device(first + n, f"NEW-{first + n}", account.sites[0], cls, "Windows 11 Pro", seen - timedelta(hours=1),
                   seen, security=(SecurityAgent(agent + n, ACTIVE, seen, tier, seen - timedelta(minutes=50)),))
            for n in range(count))
        first, agent = first + count, agent + count
        clients.append(dataclasses.replace(customer, devices=customer.devices + added))
    return dataclasses.replace(world, clients=tuple(clients))


def grow_storage(world: World, months: int = 1) -> World:
    """The world `months` on as far as backup storage goes: every customer's retained storage grows 2–6 %
    a month, as its past months did (`cloud.storage`), each month a new `StorageMonth` that the backup
    fakes serve as this month's figure. Devices, people, billing and the world's clock stay as they are,
    so a history's storage trend is the only thing that moves."""
    def grown(customer: Customer) -> Customer:
        if not customer.storage:
            return customer
        history = list(customer.storage)
        for _ in range(months):
            last = history[-1]
            rng = random.Random(f"{world.seed}:storage:{customer.canonical}:{last.month.isoformat()}")
            month = date(last.month.year + last.month.month // 12, last.month.month % 12 + 1, 1)
            history.append(StorageMonth(month, int(last.bytes * rng.uniform(1.02, 1.06))))
        return dataclasses.replace(customer, storage=tuple(history))
    return dataclasses.replace(world, clients=tuple(map(grown, world.clients)), others=tuple(map(grown, world.others)))


def _enrolling_account(customer: Customer) -> Account | None:
    return next((a for a in customer.accounts_of(Role.RMM) if a.linking == Linking.EASY), None)
