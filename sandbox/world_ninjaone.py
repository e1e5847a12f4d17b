"""The NinjaOne part of the world: organisations named as other people type them, and their devices.

Each planned `Fleet` becomes devices of every class NinjaOne knows: workstations (fresh and
stale), servers and hypervisor hosts, virtual guests, phones, network gear (`NMS_*`) and the odd
cloud monitor, plus devices still awaiting approval. Device ids interleave across organisations,
as they do in a real tenant, and `lastContact` is epoch seconds with a fraction.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime
from itertools import count

from sandbox.client_plan import Fleet, Plan
from sandbox.model import NinjaDevice, NinjaLocation, NinjaOneData, NinjaOrg
from sandbox.names import CITIES, easy_variant

DAY = 86_400.0
# Per category: (nodeClass, name stem) choices, the first the most common.
CLASSES = {
    "workstation": (("WINDOWS_WORKSTATION", "WS"),) * 8 + (("MAC", "MAC"),) * 2 + (("LINUX_WORKSTATION", "LNX"),),
    "server": (("WINDOWS_SERVER", "SRV"),) * 4 + (("LINUX_SERVER", "LSRV"), ("HYPERV_VMM_HOST", "HV"),
                                                    ("VMWARE_VM_HOST", "ESX")),
    "guest": (("VMWARE_VM_GUEST", "VM"), ("HYPERV_VMM_GUEST", "HVM")),
    "mobile": (("ANDROID", "AND"), ("APPLE_IOS", "IPH"), ("APPLE_IPADOS", "IPAD")),
    "network": (("NMS_SWITCH", "SW"), ("NMS_ROUTER", "RTR"), ("NMS_FIREWALL", "FW"), ("NMS_PRINTER", "PRN"),
                ("NMS_WAP", "AP")),
    "other": (("CLOUD_MONITOR_TARGET", "MON"), ("UNMANAGED_DEVICE", "DEV")),
}


def build(rng: random.Random, now: datetime, plans: Sequence[Plan], orphan: tuple[str, Fleet],
          ) -> tuple[NinjaOneData, dict[str, tuple[int, ...]]]:
    """NinjaOne records; also each client's org ids, in the order of its plan's orgs."""
    taken: set[str] = set()
    owners: list[tuple[str, int, str, Fleet]] = []  # (client or "", index in its plan, org name, fleet)
    for plan in plans:
        for n, org in enumerate(plan.orgs):
            name = org.name or _unique(rng, plan, taken, first=n == 0)
            taken.add(name)
            owners.append((plan.name.canonical, n, name, org.fleet))
    owners.append(("", 0, orphan[0], orphan[1]))
    rng.shuffle(owners)

    orgs: list[NinjaOrg] = []
    specs: list[tuple[NinjaOrg, str, str, str]] = []  # (org, category, nodeClass, stem) per device
    org_ids, location_ids = count(1), count(1)
    for _, _, name, fleet in owners:
        org_id = next(org_ids) + rng.randint(0, 2)
        locations = tuple(NinjaLocation(next(location_ids), place, f"{rng.randint(10, 9999)} Main St, {place}")
                          for place in ("Main Office",) + ((rng.choice(CITIES),) if rng.random() < 0.3 else ()))
        org = NinjaOrg(org_id, name, "MANUAL" if fleet.pending else "AUTOMATIC", locations)
        orgs.append(org)
        org_ids = count(org_id + 1)
        for category, n in _categories(fleet):
            for _ in range(n):
                node_class, stem = rng.choice(CLASSES["workstation" if category in ("fresh", "stale", "pending")
                                                       else category])
                specs.append((org, category, node_class, stem))
    rng.shuffle(specs)

    devices: list[NinjaDevice] = []
    numbers: dict[tuple[int, str], int] = {}
    device_id = 1000
    for org, category, node_class, stem in specs:
        device_id += rng.randint(1, 4)
        numbers[org.id, stem] = numbers.get((org.id, stem), 0) + 1
        devices.append(_device(rng, now, device_id, org, category, node_class,
                               f"{_code(org.name)}-{stem}{numbers[org.id, stem]:02d}"))

    by_client: dict[str, dict[int, int]] = {}
    for (client, index, _, _), org in zip(owners, orgs):
        if client:
            by_client.setdefault(client, {})[index] = org.id
    data = NinjaOneData(tuple(sorted(orgs, key=lambda o: o.id)), tuple(devices))
    return data, {client: tuple(ids[i] for i in sorted(ids)) for client, ids in by_client.items()}


def _categories(fleet: Fleet) -> list[tuple[str, int]]:
    return [("fresh", fleet.fresh), ("stale", fleet.stale), ("server", fleet.servers), ("guest", fleet.guests),
            ("mobile", fleet.mobile), ("network", fleet.network), ("other", fleet.other),
            ("pending", fleet.pending)]


def _device(rng: random.Random, now: datetime, device_id: int, org: NinjaOrg, category: str, node_class: str,
            name: str) -> NinjaDevice:
    clock = now.timestamp()
    if category == "stale":
        seen = clock - rng.uniform(60, 200) * DAY
    else:
        # most devices checked in within the hour; a few have been off for days, never past 20
        seen = clock - rng.choice((rng.uniform(0, 3600), rng.uniform(0, 3600), rng.uniform(0, 2 * DAY),
                                   rng.uniform(0, 20 * DAY)))
    network = node_class.startswith("NMS_")
    return NinjaDevice(
        id=device_id,
        uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        organization_id=org.id,
        location_id=rng.choice(org.locations).id,
        node_class=node_class,
        approved=category != "pending",
        offline=clock - seen > 900,
        system_name=name,
        created=round(seen - rng.uniform(30, 900) * DAY, 3),
        last_contact=round(seen, 3) if round(seen, 3) % 1 else round(seen, 3) + 0.125,
        dns_name=None if network else f"{name.lower()}.{_code(org.name).lower()}.local",
    )


def _unique(rng: random.Random, plan: Plan, taken: set[str], *, first: bool) -> str:
    """An easy variant of the client's name no other org uses (NinjaOne org names are unique)."""
    if first and "&" in plan.name.base:
        # the one place the "&" → "and" rule must do the linking
        return plan.name.canonical.replace("&", "and") + "."
    for _ in range(20):
        name = easy_variant(rng, plan.name)
        if name not in taken:
            return name
    raise RuntimeError(f"could not find a fresh NinjaOne name for {plan.name.canonical}")


def _code(name: str) -> str:
    """`"Café Müller GmbH"` → `"CAF"`: three ASCII letters for device names."""
    letters = [ch for ch in unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() if ch.isalpha()]
    return "".join(letters[:3]).upper() or "ORG"
