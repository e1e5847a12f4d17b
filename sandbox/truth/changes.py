"""Changes to a world between two syncs; the answer key follows, being computed from the truth.

    world = add_devices(world, "Bluebird Logistics LLC", 3)   # enrolled three workstations today
    server.replace_world(world)

The world stays immutable: each change returns a new `World`.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sandbox.truth.model import ACTIVE, Device, DeviceClass, Linking, Role, SecurityAgent, World


def add_devices(world: World, client: str, count: int, cls: DeviceClass = DeviceClass.WORKSTATION) -> World:
    """The world after `client` enrolled `count` approved devices of `cls`, seen a minute ago, with the
    security agent, at the first site its first linked RMM account holds."""
    customer = world.client(client)
    account = next((a for a in customer.accounts_of(Role.RMM) if a.linking == Linking.EASY), None)
    if account is None:
        raise ValueError(f"{client} has no linked RMM account to add devices to")
    seen = world.now - timedelta(minutes=1)
    first = max((d.number for c in world.customers for d in c.devices), default=0) + 1
    agent = max((a.number for c in world.customers for d in c.devices for a in d.security + d.backup), default=0) + 1
    tier = next((a.tier for d in customer.devices for a in d.security), "advanced")
    added = tuple(
        Device(first + n, f"NEW-{first + n}", account.sites[0], cls, "Windows 11 Pro", seen - timedelta(hours=1), seen,
               security=(SecurityAgent(agent + n, ACTIVE, seen, tier, seen - timedelta(minutes=50)),))
        for n in range(count))
    changed = dataclasses.replace(customer, devices=customer.devices + added)
    return dataclasses.replace(world, clients=tuple(changed if c is customer else c for c in world.clients))
