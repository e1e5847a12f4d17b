"""Writes one client's truth from its plan: sites, accounts per role, devices and their coverage,
tenant and people, storage, lines and subscriptions. Numbers are placeholders until `build.py`
numbers everything across the MSP."""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import datetime, timedelta

from sandbox.truth import billing, catalog, cloud, fleet
from sandbox.truth.model import Account, Customer, Device, Kind, Linking, Role, Site
from sandbox.truth.names import CITIES, Name, compact, easy_variant
from sandbox.truth.plan import Plan

RESELLER = "Northstar IT Partners"
STREETS = ("Liberty Lane", "Quebec St", "Market St", "Commerce Ave", "Pine St", "Canal Rd", "Ridge Rd")


class Writer:
    """Writes customers' truth; numbers are placeholders until `_numbered`."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.taken: dict[Role, set[str]] = {role: set() for role in Role}
        # the storage line's status, dealt in turn to the clients with storage so every world plants each
        # (None: whatever the draw gives, a missing line included)
        self.storage_deal = itertools.cycle(billing.STORAGE_DEAL)

    # -- the parts of a customer --------------------------------------------------------------

    def name(self, role: Role, name: Name, *, first: bool = False) -> str:
        """An easy variant of `name` that no other account of `role` uses (tools keep names unique)."""
        if first and role == Role.RMM and "&" in name.base:
            chosen = name.canonical.replace("&", "and") + "."  # the one place "&" → "and" must do the linking
        else:
            chosen = next((n for n in (easy_variant(self.rng, name) for _ in range(20)) if n not in self.taken[role]),
                          None)
            if chosen is None:
                raise RuntimeError(f"could not find a fresh {role.value} name for {name.canonical}")
        self.taken[role].add(chosen)
        return chosen

    def site(self, key: str, name: str) -> Site:
        city = name if name in CITIES else self.rng.choice(CITIES)
        return Site(key, name, city, f"{self.rng.randint(10, 9999)} {self.rng.choice(STREETS)}, {city}")

    def customer(self, name: Name, kind: Kind, **parts: object) -> Customer:
        rng = self.rng
        return Customer(name=name, kind=kind, entered=self.now - timedelta(days=rng.randint(400, 3000)),
                        phone=f"{rng.randint(201, 989)}-555-{rng.randint(0, 9999):04d}",
                        website=f"www.{compact(name.base)[:20] or 'company'}.example", **parts)  # type: ignore[arg-type]

    # -- clients ------------------------------------------------------------------------------

    def client(self, plan: Plan, traps: set[str]) -> Customer:
        rng, now = self.rng, self.now
        names = fleet.Hostnames(plan.name.canonical)
        sites = [self.site("main", "Main Office")]
        accounts = [Account(Role.PSA, plan.name.canonical, 0, ())]
        devices: list[Device] = []
        for n, org in enumerate(plan.orgs):
            held = ["main"] if n == 0 else [f"site{n + 1}"]
            if n > 0:
                sites.append(self.site(held[0], org.name.rsplit(" - ", 1)[-1] if org.name else rng.choice(CITIES)))
            elif rng.random() < 0.3:
                sites.append(self.site("branch", rng.choice(CITIES)))
                held.append("branch")
            tags = ((plan.role,) if plan.role else ()) + (("sites of one customer",) if len(held) > 1 else ())
            accounts.append(Account(Role.RMM, org.name or self.name(Role.RMM, plan.name, first=n == 0), 0,
                                    tuple(held), Linking.EASY if org.linked else Linking.HARD, tags=tags))
            devices += fleet.devices(rng, now, org.fleet, held, names)
        every_site = tuple(s.key for s in sites)
        accounts[0] = dataclasses.replace(accounts[0], sites=every_site)
        tier = rng.choice(catalog.SECURITY_TIERS[:2] + ("advanced",) * 3 + ("complete",))
        servers_backed_up = rng.random() < 0.6
        devices = fleet.protect(rng, now, devices, tier, backup=servers_backed_up, workstation_backup=rng.random() < 0.15)
        devices = self._device_traps(devices, traps, names, tier)

        purchases = billing.purchases(rng, now, plan)
        agreements, lines = billing.billing(rng, now, plan)
        parts: dict[str, object] = {}
        users = sum(line.quantity for line in plan.m365_licensed) or sum(line.quantity for line in plan.m365_billed)
        if users:
            domain = self._domain(plan.name)
            tenant, people = cloud.tenant(
                rng, domain, purchases, 0 if plan.distributor else users,
                unassigned=rng.randint(1, 3) if "unassigned seats" in traps else 0,
                suspended=2 if "suspended units" in traps else 0)
            if "warning units" in traps:
                tenant = dataclasses.replace(tenant, licences=tuple(
                    dataclasses.replace(lic, warning=1) if lic.sku == "SPB" else lic for lic in tenant.licences))
            saas = rng.random() < 0.5
            parts.update(tenant=tenant, people=cloud.backed_up(rng, people) if saas else people)
            display = self.name(Role.M365, plan.name)
            tags = {t for t in traps if t in ("consent withdrawn", "suspended units", "warning units", "unassigned seats")}
            tags |= {"tenant name variant"} if display != plan.name.canonical else set()
            tags |= {"free SKUs"} if any(catalog.MICROSOFT[lic.sku].free for lic in tenant.licences) else set()
            accounts.append(Account(Role.M365, display, 0, every_site, domain=domain,
                                    consent="consent withdrawn" not in traps, tags=tuple(sorted(tags))))
        protected = sum(agent.protected_bytes for d in devices for agent in d.backup if not agent.previous)
        if protected:
            parts["storage"] = cloud.storage(rng, now, protected)
        if plan.distributor:
            accounts.append(Account(Role.DISTRIBUTOR, self.name(Role.DISTRIBUTOR, plan.name), 0, every_site))
        if any(d.security for d in devices):
            accounts.append(Account(Role.SECURITY, self.name(Role.SECURITY, plan.name), 0, every_site))
        if protected or any(p.backed_up for p in parts.get("people", ())):  # type: ignore[attr-defined]
            folder = RESELLER if "customer under a reseller folder" in traps else None
            tags = (("customer under a reseller folder",) if folder else ()) + (
                ("storage growth",) if "storage" in parts else ())
            accounts.append(Account(Role.BACKUP, self.name(Role.BACKUP, plan.name), 0, every_site, folder=folder,
                                    tags=tags))
        customer = self.customer(plan.name, Kind.CLIENT, sites=tuple(sites), accounts=tuple(accounts),
                                 devices=tuple(devices), agreements=agreements, purchases=purchases,
                                 tags=tuple(sorted(({plan.role} - {""}) | set(plan.junk) | traps)), **parts)
        dealt = next(self.storage_deal) if "storage" in parts else None
        return dataclasses.replace(customer, billing=lines + billing.usage_lines(rng, now, customer, agreements[0],
                                                                                 storage=dealt))

    def _device_traps(self, devices: list[Device], traps: set[str], names: fleet.Hostnames, tier: str) -> list[Device]:
        rng, now = self.rng, self.now
        steps = {"server without security agent": lambda d: fleet.without_security(d),
                 "reinstall duplicate": lambda d: fleet.reinstalled(rng, now, d),
                 "device protected twice": lambda d: fleet.protected_twice(d)}
        for trap, step in steps.items():
            if trap in traps:
                devices = step(devices) or devices
        if devices and "decommissioned agent" in traps:
            devices = devices + [fleet.retired(rng, now, names, devices[0].site, tier)]
        if devices and "unmanaged detected endpoint" in traps:
            devices = devices + [fleet.detected(rng, now, devices[0].site, tier)]
        return devices

    def _domain(self, name: Name) -> str:
        base = compact(name.base)[:24] or "tenant"
        domain, n = f"{base}.onmicrosoft.com", 2
        while domain in self.taken[Role.M365]:
            domain, n = f"{base}{n}.onmicrosoft.com", n + 1
        self.taken[Role.M365].add(domain)
        return domain

    # -- everyone else ------------------------------------------------------------------------
