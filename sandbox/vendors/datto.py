"""Fake Datto Partner Portal REST API v1: BCDR appliances and their agents, SaaS Protection customers and seats.

    GET /datto/v1/bcdr/device                         ?_page=&_perPage=&showHiddenDevices=&showChildResellerDevices=
    GET /datto/v1/bcdr/device/{serialNumber}
    GET /datto/v1/bcdr/device/{serialNumber}/asset/agent
    GET /datto/v1/saas/domains
    GET /datto/v1/saas/{saasCustomerId}/seats         ?seatType=

A view of the truth's backup role: each backup account is a Partner Portal organisation. Every site
of it with a backed-up machine has one BCDR appliance; its agents are those machines, and the
account's retained storage (this month so far) is split over its appliances as `localStorageUsed`,
in TB or GB with every byte kept. Backed-up people make the organisation a SaaS Protection
customer; each of its people is a seat (`Active`, or `Unprotected` for a leaver; a shared mailbox
is never billable, as Datto bills none).

How the truth's traps look here: the old copy of a device protected twice is an archived agent on
the same appliance; a customer under a reseller folder has its appliances under a child reseller
(left out with `showChildResellerDevices=0`); a backup customer that is no client is just another
organisation. A Linux server's agent reports "Ubuntu Server …", some workstation agents no OS at
all, VMware guests are agentless, and a few agents and seats are paused.

Auth is Basic (public key : secret key). The device list pages from 1 (`_perPage` 1–1000, default
100) in `{"pagination": {...}, "items": [...]}`; the others are bare arrays. Errors are
`{"code", "message"}`; a 429 carries no `Retry-After` (Datto documents none).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.auth import Basic
from sandbox.paging import Envelope, PageNumber, Whole, list_route
from sandbox.routing import Call, Incoming, Reply, Route, detail
from sandbox.truth.model import Account, BackupAgent, Customer, Device, Person, Role, World
from sandbox.vendor import FakeVendor, Owned, split, stable_uuid

API = "/v1"
PUBLIC_KEY = "sbxDattoPublic7Hq2Lm"
SECRET_KEY = "sbx-datto-secret-Xw4Nc8Rt1Kp6Zy3B"
PAGES = PageNumber(Envelope(lambda page: {"pagination": {
    "page": page.number, "perPage": page.size, "totalPages": -(-page.total // page.size), "count": page.total},
    "items": page.items}, items_at="items"), page="_page", size="_perPage", first=1, default=100, maximum=1000)
WHOLE = Whole()
METRICS = {"protected:server": "protected:server", "protected:vm": "protected:server",
           "protected:workstation": "protected:workstation", "seats:user": "seats:user",
           "seats:shared mailbox": "seats:shared_mailbox", "storage:bytes": "storage:bytes"}
SEAT_TYPES = {"user": "User", "shared mailbox": "SharedMailbox"}
PLANS = ("Infinite Cloud Retention", "1 Year Cloud Retention", "Time Based Retention")
TB, GB = 10**12, 10**9

JSON = dict[str, Any]


@dataclass(frozen=True)
class View:
    devices: list[JSON]
    child: frozenset[str]  # serial numbers of child-reseller appliances
    agents: dict[str, list[JSON]]  # serial number → its agents
    domains: list[JSON]
    seats: dict[str, list[JSON]]  # saasCustomerId → its seats
    owners: dict[str, Owned]


class Datto(FakeVendor):
    kind = "datto"
    display_name = "Datto"
    roles = (Role.BACKUP,)
    prefix = "/datto"
    api_root = API
    auth = Basic(PUBLIC_KEY, SECRET_KEY)
    credentials = {"public_key": PUBLIC_KEY, "secret_key": SECRET_KEY}
    retry_after = False  # Datto documents a 429, not how long to wait
    # Datto publishes no rate; agents and seats are one call per appliance and per customer, so the
    # stand-in lets a whole sync through at a test's unpaced speed (tests set a tiny one for 429s)
    rate_limit = (100.0, 200)

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            list_route("GET", API + "/bcdr/device", _listed_devices, PAGES),
            Route("GET", API + "/bcdr/device/{serialNumber}", detail(
                lambda call: call.view.devices, self._missing("Device"), "serialNumber", "serialNumber")),
            self._under("/bcdr/device/{serialNumber}/asset/agent", "serialNumber", lambda view: view.agents, "Device"),
            list_route("GET", API + "/saas/domains", lambda call: call.view.domains, WHOLE),
            self._under("/saas/{saasCustomerId}/seats", "saasCustomerId", lambda view: view.seats, "Customer",
                        narrow=_seat_type),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:datto")
        devices, child, agents, domains, seats, owners = [], set(), {}, [], {}, {}
        org_id, customer_id = 500, 12000
        for customer, account in world.accounts(Role.BACKUP):
            org_id += 1 + rng.randint(0, 3)
            owners[str(org_id)] = (customer, account)
            for appliance, protected in _appliances(rng, world, customer, account, org_id):
                devices.append(appliance)
                agents[appliance["serialNumber"]] = protected
                if account.folder:
                    child.add(appliance["serialNumber"])
            if any(p.backed_up for p in customer.people):
                customer_id += 1 + rng.randint(0, 40)
                domains.append(_domain(rng, customer, account, org_id, customer_id))
                seats[str(customer_id)] = [_seat(rng, world, person) for person in customer.people]
        return View(devices, frozenset(child), agents, domains, seats, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"code": status, "message": message})

    def too_many(self, incoming: Incoming, seconds: int) -> Reply:
        return self.error(incoming, 429, "Too Many Requests")

    def _missing(self, what: str) -> Callable[[Call, str], Reply]:
        return lambda call, _: self.error(call.incoming, 404, f"{what} not found")

    def _under(self, path: str, param: str, lists: Callable[[View], dict[str, list[JSON]]], what: str,
               narrow: Callable[[Call, list[JSON]], list[JSON]] = lambda call, rows: rows) -> Route:
        """A bare array that belongs to one appliance or customer; an unknown one is a 404."""
        listed = list_route("GET", API + path, lambda call: narrow(call, lists(call.view)[call.params[param]]), WHOLE)

        def answer(call: Call) -> Reply:
            if call.params[param] not in lists(call.view):
                return self._missing(what)(call, call.params[param])
            return listed.function(call)

        return Route("GET", listed.pattern, answer, listing=WHOLE)


def _listed_devices(call: Call) -> list[JSON]:
    """The appliances the query asks for: hidden and child-reseller ones unless it says 0."""
    found: list[JSON] = call.view.devices
    if call.incoming.arg("showHiddenDevices") == "0":
        found = [d for d in found if not d["hidden"]]
    if call.incoming.arg("showChildResellerDevices") == "0":
        found = [d for d in found if d["serialNumber"] not in call.view.child]
    return found


def _seat_type(call: Call, seats: list[JSON]) -> list[JSON]:
    wanted = call.incoming.arg("seatType")
    return [s for s in seats if s["seatType"].lower() == wanted.lower()] if wanted else seats


def _appliances(rng: random.Random, world: World, customer: Customer, account: Account,
                org_id: int) -> list[tuple[JSON, list[JSON]]]:
    """One appliance per site with a backed-up machine, the account's storage split over them by size."""
    sites = [(site, [d for d in customer.held_by(account) if d.site == site.key and d.backup])
             for site in customer.sites if site.key in account.sites]
    sites = [(site, machines) for site, machines in sites if machines]
    weights = [sum(a.protected_bytes for d in machines for a in d.backup if not a.previous) for _, machines in sites]
    stored = customer.storage[-1].bytes if customer.storage else None
    shares = split(stored, weights) if stored is not None else [None] * len(sites)
    made = []
    for n, ((site, machines), share) in enumerate(zip(sites, shares)):
        serial = hashlib.sha256(f"{world.seed}:datto:{account.number}:{site.key}".encode()).hexdigest()[:12].upper()
        family = "siris" if weights[n] > 2 * TB else "alto"
        record: JSON = {
            "serialNumber": serial, "name": f"{machines[0].hostname.split('-')[0].lower()}-{family}{n + 1}",
            "model": rng.choice(("S4P2", "S5-4", "S5-8") if family == "siris" else ("A4", "S3-1000")),
            "organizationName": account.name, "organizationId": org_id, "servicePlan": rng.choice(PLANS),
            "registrationDate": _stamp(min(d.created for d in machines) - timedelta(days=rng.randint(1, 30))),
            "lastSeenDate": _stamp(world.now - timedelta(minutes=rng.randint(1, 90))), "hidden": False,
            "agentCount": sum(1 for d in machines for a in d.backup if not a.previous), "shareCount": 0,
            "alertCount": rng.choice((0, 0, 0, 1, 2)),
        }
        if share is not None:
            record["localStorageUsed"] = _size(share)
            if rng.random() < 0.7:  # the cloud copy, kept longer; optional in Datto's answers
                record["offsiteStorageUsed"] = _size(int(share * rng.uniform(1.1, 1.8)))
        if rng.random() < 0.8:
            record["uptime"] = rng.randint(3600, 90 * 86400)
        made.append((record, [_agent(rng, d, a) for d in machines for a in d.backup]))
    return made


def _agent(rng: random.Random, device: Device, agent: BackupAgent) -> JSON:
    os = device.os
    if agent.kind != "workstation" and "server" not in os.lower():
        os = os.replace("Ubuntu ", "Ubuntu Server ", 1)  # Datto's Linux agent names the server edition
    record: JSON = {"name": device.hostname, "os": os, "agentVersion": rng.choice(("3.4.1", "3.3.9", "3.5.0")),
                    "isPaused": not agent.previous and rng.random() < 0.08, "isArchived": agent.previous,
                    "protectedVolumesCount": rng.randint(1, 4), "lastSnapshot": int(agent.last_backup.timestamp()),
                    "type": "agentless" if agent.kind == "vm" and device.hypervisor == "vmware" else "agent"}
    if agent.kind == "workstation" and rng.random() < 0.3:
        del record["os"]  # an agent that has not reported its OS yet
    if rng.random() < 0.1:
        del record["agentVersion"]
    return record


def _domain(rng: random.Random, customer: Customer, account: Account, org_id: int, customer_id: int) -> JSON:
    domain = customer.people[0].upn.split("@", 1)[1]
    record: JSON = {"saasCustomerId": customer_id, "saasCustomerName": account.name,
                    "organizationName": account.name, "organizationId": org_id, "domain": domain,
                    "productType": "Office365", "externalSubscriptionId": f"Classic:Office365:{customer_id}",
                    "retentionType": rng.choice(("Infinite", "TimeBased"))}
    if rng.random() < 0.5:
        record["seatsUsed"] = sum(1 for p in customer.people if p.backed_up)
    return record


def _seat(rng: random.Random, world: World, person: Person) -> JSON:
    state = ("Paused" if rng.random() < 0.05 else "Active") if person.backed_up else "Unprotected"
    seat_type = SEAT_TYPES[person.kind]
    return {"mainId": stable_uuid(world.seed, "datto seat", person.upn), "name": person.upn, "seatType": seat_type,
            "seatState": state, "billable": int(person.backed_up and seat_type == "User"),
            "dateAdded": (world.now - timedelta(days=rng.randint(5, 700))).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _size(stored: int) -> JSON:
    """Bytes as Datto shows them, in TB or GB, with every byte kept in the decimal figure."""
    unit, scale = ("TB", TB) if stored >= TB else ("GB", GB)
    return {"size": float(Decimal(stored) / scale), "units": unit}


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
