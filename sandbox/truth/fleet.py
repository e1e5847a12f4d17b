"""A customer's devices: hostname, class, OS, dates, and which tools cover each.

`devices()` turns a planned `Fleet` (counts by what the checks make of them) into devices at an
account's sites; `protect()` then gives them security agents and backups. Every workstation,
laptop, server and guest with an RMM agent runs the security agent, active when seen within
three days, inactive otherwise; the traps below are planted by `build.py` on a few customers.

    server without security agent   one server the security tool does not know
    decommissioned agent            a retired machine still listed in the security console
    reinstall duplicate             a reinstalled workstation left its old (inactive) agent behind
    unmanaged detected endpoint     a personal laptop the security tool saw on the network, no agent
    device protected twice          a server backed up on the old and the new backup platform
"""

from __future__ import annotations

import dataclasses
import random
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta

from sandbox.truth.model import (
    ACTIVE,
    DECOMMISSIONED,
    DETECTED,
    INACTIVE,
    BackupAgent,
    Device,
    DeviceClass,
    SecurityAgent,
)
from sandbox.truth.plan import Fleet

GB = 10**9
# per planned category: (class, stem, OS, hypervisor) choices, the first ones the most common
KINDS: dict[str, tuple[tuple[DeviceClass, str, str, str | None], ...]] = {
    "desk": ((DeviceClass.WORKSTATION, "WS", "Windows 11 Pro", None),) * 5
    + ((DeviceClass.WORKSTATION, "WS", "Windows 10 Pro", None), (DeviceClass.LAPTOP, "LT", "Windows 11 Pro", None),
       (DeviceClass.LAPTOP, "LT", "Windows 11 Pro", None), (DeviceClass.LAPTOP, "MAC", "macOS 14 Sonoma", None),
       (DeviceClass.WORKSTATION, "MAC", "macOS 15 Sequoia", None), (DeviceClass.WORKSTATION, "LNX", "Ubuntu 24.04 LTS", None)),
    "server": ((DeviceClass.SERVER, "SRV", "Windows Server 2022 Standard", None),) * 3
    + ((DeviceClass.SERVER, "SRV", "Windows Server 2019 Standard", None),
       (DeviceClass.SERVER, "LSRV", "Ubuntu 22.04 LTS", None),
       (DeviceClass.SERVER, "HV", "Windows Server 2022 Datacenter", "hyperv"),
       (DeviceClass.SERVER, "ESX", "VMware ESXi 8.0", "vmware")),
    "guest": ((DeviceClass.VIRTUAL, "VM", "Windows Server 2022 Standard", "vmware"),
              (DeviceClass.VIRTUAL, "HVM", "Windows Server 2019 Standard", "hyperv"),
              (DeviceClass.VIRTUAL, "VM", "Ubuntu 22.04 LTS", "vmware")),
    "mobile": ((DeviceClass.MOBILE, "AND", "Android 14", None), (DeviceClass.MOBILE, "IPH", "iOS 18", None),
               (DeviceClass.MOBILE, "IPAD", "iPadOS 18", None)),
    "network": ((DeviceClass.NETWORK, "SW", "Switch", None), (DeviceClass.NETWORK, "RTR", "Router", None),
                (DeviceClass.NETWORK, "FW", "Firewall", None), (DeviceClass.NETWORK, "PRN", "Printer", None),
                (DeviceClass.NETWORK, "AP", "Access point", None)),
    "other": ((DeviceClass.OTHER, "MON", "Cloud monitor target", None), (DeviceClass.OTHER, "DEV", "Unmanaged device", None)),
}
PROTECTED = frozenset({DeviceClass.WORKSTATION, DeviceClass.LAPTOP, DeviceClass.SERVER, DeviceClass.VIRTUAL})


def categories(fleet: Fleet) -> list[tuple[str, int]]:
    return [("fresh", fleet.fresh), ("stale", fleet.stale), ("server", fleet.servers), ("guest", fleet.guests),
            ("mobile", fleet.mobile), ("network", fleet.network), ("other", fleet.other), ("pending", fleet.pending)]


class Hostnames:
    """`BLU-WS01`, `BLU-WS02`, … per customer: a three-letter code and a number per stem."""

    def __init__(self, customer: str) -> None:
        self.code = code(customer)
        self.used: dict[str, int] = {}

    def next(self, stem: str) -> str:
        self.used[stem] = self.used.get(stem, 0) + 1
        return f"{self.code}-{stem}{self.used[stem]:02d}"


def devices(rng: random.Random, now: datetime, fleet: Fleet, sites: Sequence[str], names: Hostnames) -> list[Device]:
    """The devices of one planned fleet at `sites`, numbered 0 (`build.py` renumbers them)."""
    made = []
    for category, count in categories(fleet):
        for _ in range(count):
            cls, stem, os, hypervisor = rng.choice(KINDS["desk" if category in ("fresh", "stale", "pending") else category])
            seen = _last_seen(rng, now, stale=category == "stale")
            made.append(Device(
                number=0, hostname=names.next(stem), site=rng.choice(sites), cls=cls, os=os,
                created=seen - timedelta(days=rng.uniform(30, 900)), last_seen=seen,
                rmm="pending" if category == "pending" else "approved", hypervisor=hypervisor))
    return made


def protect(rng: random.Random, now: datetime, devices: list[Device], tier: str, *, backup: bool,
            workstation_backup: bool) -> list[Device]:
    """Security agents on every machine with an RMM agent; backups on servers (and laptops) when chosen."""
    protected = []
    for device in devices:
        agents: tuple[SecurityAgent, ...] = ()
        if device.cls in PROTECTED and device.rmm:
            state = ACTIVE if now - device.last_seen <= timedelta(days=3) else INACTIVE
            agents = (SecurityAgent(0, state, device.last_seen, tier, device.created + timedelta(hours=2)),)
        copies: tuple[BackupAgent, ...] = ()
        kind = {DeviceClass.SERVER: "server", DeviceClass.VIRTUAL: "vm"}.get(device.cls)
        if device.cls == DeviceClass.LAPTOP and workstation_backup:
            kind = "workstation"
        esxi = device.cls == DeviceClass.SERVER and device.hypervisor == "vmware"  # its guests are backed up instead
        if kind and device.rmm == "approved" and (backup or kind == "workstation") and not esxi:
            size = {"server": rng.randint(200, 4000), "vm": rng.randint(50, 800), "workstation": rng.randint(20, 300)}
            copies = (BackupAgent(0, kind, size[kind] * GB, now - timedelta(hours=rng.uniform(1, 30))),)
        protected.append(dataclasses.replace(device, security=agents, backup=copies))
    return protected


# -- traps --------------------------------------------------------------------------------------

def without_security(devices: list[Device]) -> list[Device] | None:
    """The first server loses its security agent; None when there is no protected server."""
    index = next((i for i, d in enumerate(devices) if d.cls == DeviceClass.SERVER and d.security), None)
    if index is None:
        return None
    return _swap(devices, index, security=(), tags=("server without security agent",))


def reinstalled(rng: random.Random, now: datetime, devices: list[Device]) -> list[Device] | None:
    """An active workstation's old agent, from before a reinstall, still listed as inactive."""
    index = next((i for i, d in enumerate(devices) if d.cls == DeviceClass.WORKSTATION and d.security
                  and d.security[0].state == ACTIVE), None)
    if index is None:
        return None
    device = devices[index]
    reinstall = now - timedelta(days=rng.uniform(35, 90))
    old = SecurityAgent(0, INACTIVE, reinstall, device.security[0].tier, device.created + timedelta(hours=2))
    new = dataclasses.replace(device.security[0], installed=reinstall + timedelta(hours=1))
    return _swap(devices, index, security=(old, new), tags=("reinstall duplicate",))


def protected_twice(devices: list[Device]) -> list[Device] | None:
    """A backed-up server also still protected on the platform the MSP is leaving."""
    index = next((i for i, d in enumerate(devices) if d.backup and d.backup[0].kind == "server"), None)
    if index is None:
        return None
    current = devices[index].backup[0]
    old = dataclasses.replace(current, previous=True, last_backup=current.last_backup - timedelta(days=1))
    return _swap(devices, index, backup=(current, old), tags=("device protected twice",))


def retired(rng: random.Random, now: datetime, names: Hostnames, site: str, tier: str) -> Device:
    """A machine retired months ago: gone from the RMM, its agent decommissioned in the security console."""
    seen = now - timedelta(days=rng.uniform(100, 300))
    return Device(0, names.next("WS"), site, DeviceClass.WORKSTATION, "Windows 10 Pro", seen - timedelta(days=900),
                  seen, rmm=None, security=(SecurityAgent(0, DECOMMISSIONED, seen, tier, seen - timedelta(days=899)),),
                  tags=("decommissioned agent",))


def detected(rng: random.Random, now: datetime, site: str, tier: str) -> Device:
    """A personal laptop the security tool saw on the network: no agent, no RMM."""
    seen = now - timedelta(hours=rng.uniform(1, 48))
    name = "DESKTOP-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))
    return Device(0, name, site, DeviceClass.LAPTOP, "Windows 11 Home", seen - timedelta(days=2), seen, rmm=None,
                  security=(SecurityAgent(0, DETECTED, seen, tier, seen),), tags=("unmanaged detected endpoint",))


def code(name: str) -> str:
    """`"Café Müller GmbH"` → `"CAF"`: three ASCII letters for hostnames."""
    letters = [ch for ch in unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() if ch.isalpha()]
    return "".join(letters[:3]).upper() or "ORG"


def _last_seen(rng: random.Random, now: datetime, *, stale: bool) -> datetime:
    if stale:
        return now - timedelta(days=rng.uniform(60, 200))
    # most devices checked in within the hour; a few have been off for days, never past 20
    return now - timedelta(seconds=rng.choice((rng.uniform(0, 3600), rng.uniform(0, 3600),
                                               rng.uniform(0, 2 * 86400), rng.uniform(0, 20 * 86400))))


def _swap(devices: list[Device], index: int, **changes: object) -> list[Device]:
    changed = list(devices)
    tags = changes.pop("tags", ())
    changed[index] = dataclasses.replace(devices[index], tags=devices[index].tags + tags, **changes)  # type: ignore[arg-type]
    return changed
