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
import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sandbox.truth import answers, cast, catalog, checks, cloud, fleet
from sandbox.truth.model import (
    ACTIVE,
    BILLABLE,
    CANCELLED,
    DO_NOT_BILL,
    NO_CHARGE,
    PENDING,
    PENDING_CANCEL,
    TRIAL,
    WAITING,
    Account,
    Agreement,
    BillingLine,
    Customer,
    Device,
    Kind,
    Linking,
    Role,
    Site,
    Subscription,
    World,
)
from sandbox.truth.names import CITIES, Name, compact, distinct_names, easy_variant
from sandbox.truth.plan import Fleet, Line, Plan, spread, unmapped
from sandbox.truth.plan import fleet as planned_fleet

LAB = "MSP Internal Lab"
RESELLER = "Northstar IT Partners"
STREETS = ("Liberty Lane", "Quebec St", "Market St", "Commerce Ave", "Pine St", "Canal Rd", "Ridge Rd")
JUNK_SUBSCRIPTIONS = {  # cast junk → (product, status, quantity)
    "sub_cancelled": (catalog.M365_LICENSED, CANCELLED, 5),
    "sub_trial": (catalog.SECURITY, TRIAL, 10),
    "sub_pending": (catalog.M365_LICENSED, PENDING, 3),
    "sub_pending_cancel": (catalog.SECURITY, PENDING_CANCEL, 2),
    "sub_waiting": (catalog.EXCHANGE, WAITING, 2),
}
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
    prices = {checks.WORKSTATIONS: catalog.MANAGED_WORKSTATION.price,
              checks.DEVICES_VS_LICENSES: catalog.SECURITY.price, checks.MICROSOFT_365: catalog.M365_BILLED.price}
    plans = cast.plan_clients(rng, client_names, prices)
    writer = _Writer(rng, now)
    traps = {trap: set(rng.sample(range(len(plans)), count)) for trap, count in TRAPS.items()}
    built = [writer.client(plan, {t for t, chosen in traps.items() if n in chosen}) for n, plan in enumerate(plans)]

    lab_fleet = planned_fleet(rng, rng.randint(2, 4))
    stray_security = Line(rng.randint(4, 9), catalog.SECURITY.price)
    stray_m365 = Line(rng.randint(3, 12), catalog.M365_LICENSED.price)
    others = [writer.prospect(name) for name in prospects] + [
        writer.former_psa(deleted), writer.former_distributor(gone), writer.lab(Name(LAB), lab_fleet),
        writer.distributor_only(stray, (stray_security, stray_m365)), writer.backup_only(backup_only)]
    numbered = _numbered(rng, built + others)
    world = World(seed=seed, now=now, clients=tuple(sorted(numbered[:len(built)], key=_psa_number)),
                  others=tuple(numbered[len(built):]))
    promised = [r for p in plans for r in p.results] + [
        unmapped(LAB, checks.WORKSTATIONS, 0, lab_fleet.fresh, prices[checks.WORKSTATIONS], "the MSP's own lab"),
        unmapped(LAB, checks.DEVICES_VS_LICENSES, 0, lab_fleet.machines, prices[checks.DEVICES_VS_LICENSES],
                 "the MSP's own lab"),
        unmapped(stray.canonical, checks.DEVICES_VS_LICENSES, stray_security.quantity, 0, stray_security.price),
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


class _Writer:
    """Writes customers' truth; numbers are placeholders until `_numbered`."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.taken: dict[Role, set[str]] = {role: set() for role in Role}

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

        purchases = self.purchases(plan)
        agreements, billing = self.billing(plan, devices)
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
        return dataclasses.replace(customer, billing=billing + self._usage_lines(customer, agreements[0]))

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

    def purchases(self, plan: Plan) -> tuple[Subscription, ...]:
        if not plan.distributor:
            return ()
        rng = self.rng
        bought = [(catalog.SECURITY, line, ACTIVE) for line in plan.security]
        bought += [(catalog.M365_LICENSED, line, ACTIVE) for line in plan.m365_licensed]
        if rng.random() < 0.2:
            bought.append((catalog.M365_STANDARD, Line(rng.randint(2, 10), catalog.M365_STANDARD.price), ACTIVE))
        if rng.random() < 0.15:
            bought.append((catalog.EXCHANGE, Line(rng.randint(1, 6), catalog.EXCHANGE.price), ACTIVE))
        for junk in sorted(plan.junk & JUNK_SUBSCRIPTIONS.keys()):
            product, status, quantity = JUNK_SUBSCRIPTIONS[junk]
            bought.append((product, Line(quantity, product.price), status))
        return tuple(self.subscription(product, line, status) for product, line, status in bought)

    def subscription(self, product: catalog.Product, line: Line, status: str = ACTIVE) -> Subscription:
        rng, now = self.rng, self.now
        created = now - timedelta(days=rng.randint(60, 1200), seconds=rng.randint(0, 86399))
        start = created + timedelta(days=1)
        commitment = None
        if line.term == "annual":  # the commitment renews every year from its start
            years = now.year - start.year + 1
            commitment = start.replace(year=start.year + years, day=min(start.day, 28)).date()
        return Subscription(0, product.code, line.quantity, line.price, product.cost, line.term, status, created, start,
                            end=now - timedelta(days=rng.randint(1, 60)) if status == CANCELLED else None,
                            commitment_end=commitment)

    def billing(self, plan: Plan, devices: Sequence[Device]) -> tuple[tuple[Agreement, ...], tuple[BillingLine, ...]]:
        """Agreements and lines for the planted products, and the lines a PSA must skip."""
        rng, now = self.rng, self.now
        start = now - timedelta(days=rng.randint(200, 1800))
        agreements = {"Managed Services": Agreement(0, "Managed Services", start)}
        lines: list[BillingLine] = []

        def add(agreement: str, product: catalog.Product, line: Line, *, begins: datetime | None = None,
                ends: datetime | None = None, kind: str = BILLABLE, description: str = "") -> None:
            if agreement not in agreements:
                agreements[agreement] = Agreement(0, agreement, start + timedelta(days=90))
            begins = begins or agreements[agreement].start + timedelta(days=rng.randint(0, 60))
            if line.cancels_in_days is not None:
                ends = now + timedelta(days=line.cancels_in_days)
            lines.append(BillingLine(0, agreement, product.code, line.quantity + line.less_included, line.price,
                                     product.cost, begins, ends, line.less_included, kind, description or product.name))

        planned = [(catalog.MANAGED_WORKSTATION, plan.mw), (catalog.MANAGED_SERVER, plan.servers_billed),
                   (catalog.M365_BILLED, plan.m365_billed)]
        for product, product_lines in planned:
            for line in product_lines:
                add(line.agreement, product, line)
        mw, m365 = catalog.MANAGED_WORKSTATION, catalog.M365_BILLED
        if "donotbill" in plan.junk:
            add("Managed Services", mw, Line(2, mw.price), kind=DO_NOT_BILL, description="Loaner laptops (not billed)")
        if "nocharge" in plan.junk:
            add("Managed Services", m365, Line(1, m365.price), kind=NO_CHARGE, description="Complimentary licence")
        if "cancelled_line" in plan.junk:
            add("Managed Services", mw, Line(3, mw.price), ends=now - timedelta(days=rng.randint(5, 90)))
        if "future_line" in plan.junk:
            add("Managed Services", mw, Line(4, mw.price), begins=now + timedelta(days=rng.randint(10, 40)),
                description="Managed Workstation (new office, starts next month)")
        if "cancelled_agreement" in plan.junk:
            legacy = "Managed Services (legacy)"
            agreements[legacy] = Agreement(0, legacy, start - timedelta(days=rng.randint(400, 900)),
                                           cancelled=start - timedelta(days=rng.randint(1, 30)))
            add(legacy, mw, Line(5, mw.price), begins=agreements[legacy].start)
            add(legacy, m365, Line(5, m365.price), begins=agreements[legacy].start)
        return tuple(agreements.values()), tuple(lines)

    def _usage_lines(self, customer: Customer, main: Agreement) -> tuple[BillingLine, ...]:
        """Security and backup lines, billed near what the truth counts (not planted: whatever mix follows)."""
        rng, now = self.rng, self.now
        since = now - timedelta(days=checks.SEEN_WITHIN_DAYS)
        endpoints = sum(1 for d in customer.devices for a in d.security
                        if a.state in (ACTIVE, "inactive") and a.last_seen >= since)
        servers = sum(1 for d in customer.devices for a in d.backup if a.kind in ("server", "vm") and not a.previous)
        seats = sum(1 for p in customer.people if p.backed_up)
        terabytes = math.ceil(customer.storage[-1].bytes / 10**12) if customer.storage else 0
        wanted = [(catalog.ENDPOINT_SECURITY, endpoints, 0.7), (catalog.SERVER_BACKUP, servers, 0.9),
                  (catalog.SAAS_BACKUP, seats, 0.8), (catalog.BACKUP_STORAGE, terabytes, 0.8)]
        lines = []
        for product, actual, share in wanted:
            if actual and rng.random() < share:
                status = rng.choice((answers.UNDER, answers.OVER) + (answers.MATCHED,) * 4)
                billed = spread(rng, status, actual) if actual > 1 or status != answers.UNDER else actual
                lines.append(BillingLine(0, main.name, product.code, billed, product.price, product.cost,
                                         main.start + timedelta(days=rng.randint(0, 60)), description=product.name))
        return tuple(lines)

    def _domain(self, name: Name) -> str:
        base = compact(name.base)[:24] or "tenant"
        domain, n = f"{base}.onmicrosoft.com", 2
        while domain in self.taken[Role.M365]:
            domain, n = f"{base}{n}.onmicrosoft.com", n + 1
        self.taken[Role.M365].add(domain)
        return domain

    # -- everyone else ------------------------------------------------------------------------

    def prospect(self, name: Name) -> Customer:
        return self.customer(name, Kind.PROSPECT, sites=(self.site("main", "Main Office"),),
                             accounts=(Account(Role.PSA, name.canonical, 0),), tags=("prospect",))

    def former_psa(self, name: Name) -> Customer:
        """A client that left: the PSA still lists its company, deleted."""
        return self.customer(name, Kind.FORMER, sites=(self.site("main", "Main Office"),),
                             accounts=(Account(Role.PSA, name.canonical, 0, live=False),), tags=("deleted company",))

    def former_distributor(self, name: Name) -> Customer:
        """A customer gone from the distributor: deleted, its one subscription cancelled."""
        m365 = catalog.M365_LICENSED
        return self.customer(name, Kind.FORMER, accounts=(Account(Role.DISTRIBUTOR, name.canonical, 0, live=False),),
                             purchases=(self.subscription(m365, Line(self.rng.randint(3, 9), m365.price), CANCELLED),),
                             tags=("deleted distributor account",))

    def lab(self, name: Name, planned: Fleet) -> Customer:
        """The MSP's own lab: machines in the RMM and the security tool, belonging to no client."""
        rng, now = self.rng, self.now
        devices = fleet.protect(rng, now, fleet.devices(rng, now, planned, ["main"], fleet.Hostnames(name.canonical)),
                                "advanced", backup=False, workstation_backup=False)
        accounts = (Account(Role.RMM, name.canonical, 0, linking=Linking.NONE),
                    Account(Role.SECURITY, name.canonical, 0, linking=Linking.NONE))
        return self.customer(name, Kind.OWN_LAB, sites=(self.site("main", "Main Office"),), accounts=accounts,
                             devices=tuple(devices), tags=("the MSP's own lab",))

    def distributor_only(self, name: Name, lines: Sequence[Line]) -> Customer:
        """A customer the MSP buys licences for that its PSA does not know."""
        products = (catalog.SECURITY, catalog.M365_LICENSED)
        return self.customer(name, Kind.DISTRIBUTOR_ONLY,
                             accounts=(Account(Role.DISTRIBUTOR, name.canonical, 0, linking=Linking.NONE),),
                             purchases=tuple(self.subscription(p, line) for p, line in zip(products, lines)),
                             tags=("a distributor customer the PSA does not know",))

    def backup_only(self, name: Name) -> Customer:
        """A backup customer that is no client: two servers protected, nothing billed."""
        rng, now = self.rng, self.now
        planned = Fleet(servers=2)
        devices = fleet.protect(rng, now, fleet.devices(rng, now, planned, ["main"], fleet.Hostnames(name.canonical)),
                                "advanced", backup=True, workstation_backup=False)
        devices = [dataclasses.replace(d, rmm=None, security=()) for d in devices]
        protected = sum(a.protected_bytes for d in devices for a in d.backup)
        return self.customer(name, Kind.BACKUP_ONLY, sites=(self.site("main", "Main Office"),),
                             accounts=(Account(Role.BACKUP, name.canonical, 0, linking=Linking.NONE),),
                             devices=tuple(devices), storage=cloud.storage(rng, now, protected) if protected else (),
                             tags=("a backup customer that is no client",))


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
