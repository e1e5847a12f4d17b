"""Changes to a world between two syncs, with the answer key moved along.

    world = add_devices(world, "Bluebird Logistics LLC", 3)   # enrolled three laptops today
    server.replace_world(world)

The world stays immutable: each change returns a new `World`.
"""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

from sandbox import catalog
from sandbox.model import MATCHED, OVER, UNDER, Expected, NinjaDevice, World
from sandbox.world_ninjaone import CLASSES

WORKSTATION_CLASSES = frozenset(c for c, _ in CLASSES["workstation"])
SERVER_CLASSES = frozenset(c for c, _ in CLASSES["server"] + CLASSES["guest"])


def add_devices(world: World, client: str, count: int, node_class: str = "WINDOWS_WORKSTATION") -> World:
    """The world after `client` enrolled `count` approved devices of `node_class`, seen a minute ago.

    The devices join the client's first linked NinjaOne org; the answer key's "Managed
    workstations" and "Devices vs licenses" results move by `count` where the class counts.
    """
    org_ids = world.client(client).ninjaone_org_ids
    if not org_ids:
        raise ValueError(f"{client} has no linked NinjaOne organisation to add devices to")
    org = next(o for o in world.ninjaone.organizations if o.id == org_ids[0])
    seen = round(world.now.timestamp() - 60, 3) + 0.0005
    first_id = max(d.id for d in world.ninjaone.devices) + 1
    added = tuple(
        NinjaDevice(id=first_id + n, uid=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{world.seed}-{first_id + n}")),
                    organization_id=org.id, location_id=org.locations[0].id, node_class=node_class, approved=True,
                    offline=False, system_name=f"NEW-{first_id + n}", created=seen - 3600, last_contact=seen)
        for n in range(count)
    )
    checks = []
    if node_class in WORKSTATION_CLASSES:
        checks = [catalog.WORKSTATIONS, catalog.DEVICES_VS_LICENSES]
    elif node_class in SERVER_CLASSES:
        checks = [catalog.DEVICES_VS_LICENSES]
    key = list(world.answer_key)
    fallback = dict(world.fallback_prices)
    for check in checks:
        before = world.expected(client, check)
        if before is None:
            key.append(_result(client, check, Decimal(0), Decimal(count), fallback[check]))
        else:
            key[key.index(before)] = _result(client, check, before.billed, before.actual + count,
                                             before.unit_price or fallback[check])
    ninjaone = dataclasses.replace(world.ninjaone, devices=world.ninjaone.devices + added)
    return dataclasses.replace(world, ninjaone=ninjaone, answer_key=tuple(key))


def _result(client: str, check: str, billed: Decimal, actual: Decimal, price: Decimal) -> Expected:
    variance = actual - billed
    status = MATCHED if variance == 0 else UNDER if variance > 0 else OVER
    return Expected(client, check, billed, actual, status, price, variance * price,
                    "changed since the world was built")
