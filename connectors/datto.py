"""Datto (backup), Partner Portal REST API v1: BCDR appliances and the machines they protect, SaaS
Protection customers and their seats, and the storage each appliance holds.

One account per Partner Portal organisation: a BCDR appliance and a SaaS customer of the same
`organizationId` are one account. Its readings:

    protected:server, protected:workstation   agents on its appliances, by OS ("Server" in it → server)
    seats:user, seats:shared_mailbox, …       protected SaaS seats, by Datto's `seatType`
    storage:bytes                             `localStorageUsed` of its appliances, in bytes
    appliances                                its appliances, as assets only (serial, name, last seen)

Readings chosen where `../shared/vendor-apis/datto.md` leaves a fact open:

- `organizationId` is optional: a record without one is filed by `organizationName`, and a SaaS
  customer without one joins the BCDR organisation of the same name, else stands alone under its
  `saasCustomerId`.
- Storage units are decimal (1 GB = 10^9 bytes; KiB…PiB are binary); a unit we do not know fails
  the sync rather than guess. `offsiteStorageUsed` is optional and is the cloud copy of the same
  backups, so it is not added; an appliance without `localStorageUsed` reports no storage.
- An agent without `os` counts as a workstation (the doc's "else workstation"); archived agents
  never count, paused ones do (still protected, only suspended).
- A seat counts when it is protected: `seatState` Active or Paused. The doc counts `billable == 1`,
  but Datto bills no shared mailbox while the MSP may bill its client for protecting one; a seat
  without `seatState` falls back to `billable`. A seat type we do not know is `seats:other`.
- The error body (`{"code", "message"}`) is unconfirmed: its message is used when there is one,
  the HTTP reason otherwise. Datto publishes no request rate: the default pace applies, one
  request at a time; 429 and the 504 a slow BCDR call gives are retried with backoff.

It never reads backup contents, screenshots, shares' files or alerts, and sends only GETs (the
API's seat-changing PUTs are never called).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx

from connectors.auth import Basic
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.errors import BadResponse
from connectors.http import worded
from connectors.paging import PageNumber
from connectors.records import Account, Asset, Quantity, Record, counted

# decimal unless the unit says binary; the storage check states its own billed unit
UNITS = {"b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50}
SEAT_TYPES = {"user": "seats:user", "sharedmailbox": "seats:shared_mailbox", "site": "seats:site",
              "teamsite": "seats:team_site", "team": "seats:team"}
PROTECTED_SEATS = frozenset({"active", "paused"})
# what Datto's statuses mean for the user, beside the body's own (unconfirmed) message
WORDS = {401: "the public and secret key pair was rejected", 403: "this API key has no access to it",
         404: "no such appliance serial number or SaaS customer", 429: "Datto's rate limit was reached",
         504: "Datto timed out answering a BCDR call"}


def protected_seat(seat: Item) -> bool:
    """Active or paused seats are protected; where Datto gives no state, its billable flag says."""
    state = seat.get("seatState")
    if state is None:
        return seat.get("billable") in (1, "1")  # True == 1 too
    return str(state).lower() in PROTECTED_SEATS


class Datto(Connector):
    kind = "datto"
    display_name = "Datto"
    role = Role.USAGE
    fields = (
        Field("base_url", "API URL", default="https://api.datto.com/v1"),
        Field("public_key", "Public key", hint="Partner Portal › Admin › Integrations › API Keys"),
        Field("secret_key", "Secret key", secret=True),
    )
    guidance = Guidance(
        reads="BCDR appliances (serial number, name, model, organization, last seen, local storage used), the "
              "machines each protects (name, OS, paused or archived, last snapshot), SaaS Protection customers "
              "(id, name, organization) and their seats (id, mailbox or site name, seat type, state, billable).",
        why="Organizations are matched to clients; protected machines, counted as servers and workstations, "
            "and protected SaaS seats, counted by seat type, are the backup usage compared with what each "
            "client is billed; the appliances' storage used is the retained storage compared with storage "
            "billing.",
        never_reads="Backup contents, screenshots, restore points, shares' files, alerts or anything inside a "
                    "protected machine, mailbox or site.",
        writes_back="Never. It sends only GET requests; it never changes a seat, pauses an agent or starts a "
                    "restore, although a Datto API key could.",
        revoke="in the Datto Partner Portal, Admin › Integrations › API Keys, delete the key pair made for "
               "BillingReconcile.",
        permission="Datto API keys carry no role: create a key pair used by BillingReconcile alone (Admin › "
                   "Integrations › API Keys), so that revoking it touches nothing else.",
    )
    metrics = {
        "protected:server": "Machines protected on BCDR appliances whose OS is a server OS",
        "protected:workstation": "Other machines protected on BCDR appliances",
        "seats:user": "Protected SaaS user seats",
        "seats:shared_mailbox": "Protected SaaS shared mailboxes",
        "seats:site": "Protected SaaS sites",
        "seats:team_site": "Protected SaaS team sites",
        "seats:team": "Protected SaaS teams",
        "seats:other": "Protected SaaS seats of any other type",
        "storage:bytes": "Storage used on BCDR appliances, in bytes (decimal units)",
        "appliances": "BCDR appliances, listed for drill-down (assets only, no count)",
    }
    auth = Basic(username="{public_key}", password_field="secret_key")
    headers = {"Accept": "application/json"}
    items_at = ""  # agent and SaaS lists are bare arrays, unpaged

    test_call = Endpoint("bcdr/device", params={"_page": 1, "_perPage": 1})
    # hidden and child-reseller appliances still protect machines: ask for both (the API's default too)
    devices = Endpoint("bcdr/device", params={"showHiddenDevices": 1, "showChildResellerDevices": 1},
                       items_at="items", paging=PageNumber(param="_page", size_param="_perPage", size=100, start=1,
                                                           total_pages_at="pagination.totalPages"))
    agents = Endpoint("bcdr/device/{serialNumber}/asset/agent", each=devices,
                      keep=lambda agent: not agent.get("isArchived"))
    domains = Endpoint("saas/domains")
    seats = Endpoint("saas/{saasCustomerId}/seats", each=domains, keep=protected_seat)

    def sync(self) -> Iterator[Record]:
        owners = Owners(self.display_name)
        appliances: dict[str, str] = {}  # serial → account id, for the agent walk
        for device in self.items(self.devices):
            account_id, new = owners.of(device)
            if new:
                yield new
            serial = str(self.read.require(device, "serialNumber"))
            name = str(device.get("name") or serial)
            appliances[serial] = account_id
            yield Asset(account_id, "appliances", serial, name, self.read.iso_datetime(device.get("lastSeenDate")))
            stored = self.stored_bytes(device.get("localStorageUsed"))
            if stored is not None:
                yield Quantity(account_id, "storage:bytes", stored, label=name)
        customers: dict[str, str] = {}  # saasCustomerId → account id, for the seat walk
        for domain in self.items(self.domains):
            customer = str(self.read.require(domain, "saasCustomerId"))
            account_id, new = owners.of(domain, f"saas:{customer}", domain.get("saasCustomerName"))
            if new:
                yield new
            customers[customer] = account_id
        yield from counted(self.protected(appliances, customers))

    def protected(self, appliances: dict[str, str], customers: dict[str, str]) -> Iterator[Asset]:
        """Every protected machine and protected seat, as an asset of its account."""
        for device, agent in self.walk(self.agents, ({"serialNumber": s} for s in appliances)):
            serial, name = device["serialNumber"], str(self.read.require(agent, "name"))
            kind = "server" if "server" in str(agent.get("os") or "").lower() else "workstation"
            yield Asset(appliances[serial], f"protected:{kind}", f"{serial}/{name}", name,
                        self.read.epoch_datetime(agent.get("lastSnapshot")))
        for customer, seat in self.walk(self.seats, ({"saasCustomerId": c} for c in customers)):
            seat_type = str(seat.get("seatType") or "").lower()
            yield Asset(customers[customer["saasCustomerId"]], SEAT_TYPES.get(seat_type, "seats:other"),
                        str(self.read.require(seat, "mainId")), str(seat.get("name") or seat["mainId"]))

    def stored_bytes(self, used: Any) -> Decimal | None:
        """`{"size": 1.2, "units": "TB"}` → 1200000000000 bytes; None where the appliance reports none."""
        if used is None:
            return None
        units = str(self.read.require(used, "units")).strip()
        if units.lower() not in UNITS:
            raise BadResponse(f"{self.display_name} sent storage in a unit it does not document: {units[:20]!r}")
        return self.read.number(self.read.require(used, "size")) * UNITS[units.lower()]

    def describe_error(self, response: httpx.Response) -> str:
        return worded(response, WORDS)


class Owners:
    """Which account a BCDR appliance or SaaS customer belongs to; each account is announced once."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.named: dict[str, str] = {}  # organisation name → the account id it was first filed under
        self.announced: set[str] = set()

    def of(self, record: Item, alone: str | None = None, alone_name: Any = None) -> tuple[str, Account | None]:
        """(account id, the Account when it is new). `alone` files a record with no organisation."""
        org_id, name = record.get("organizationId"), record.get("organizationName")
        if org_id is not None:
            account_id = str(org_id)
        elif name:
            account_id = self.named.get(str(name), f"name:{name}")
        elif alone:
            account_id, name = alone, alone_name or alone
        else:
            raise BadResponse(f"a record from {self.vendor} names no organization")
        if name:
            self.named.setdefault(str(name), account_id)
        if account_id in self.announced:
            return account_id, None
        self.announced.add(account_id)
        return account_id, Account(account_id, str(name or account_id))
