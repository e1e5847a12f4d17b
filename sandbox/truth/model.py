"""The truth about one seeded MSP, said once and in no vendor's words.

Every customer the MSP has dealings with is a `Customer`: its sites, how the tools of each role
file it (`Account`), its fleet (`Device`, with the RMM, security and backup coverage of each),
its people and Microsoft 365 tenant, what the MSP bills it (`BillingLine` on an `Agreement`)
and what the MSP buys for it (`Subscription`), and its retained backup storage month by month.

A fake vendor renders part of this into its own API's shapes (`sandbox/vendors/`); the answer
key is computed from it (`answers.py`). Nothing here names a vendor. Dates are aware UTC
datetimes. `number` fields give the order things came to exist in; vendors derive their ids
from them, so adding a device never renumbers the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING

from sandbox.truth.names import Name

if TYPE_CHECKING:
    from sandbox.truth.answers import Expected


class Role(str, Enum):
    """What a tool is to the MSP; a fake vendor plays one or more roles over the truth."""

    PSA = "psa"  # what the MSP bills its customers
    RMM = "rmm"  # the devices it manages
    DISTRIBUTOR = "distributor"  # what it buys for them
    SECURITY = "security"  # endpoint protection
    BACKUP = "backup"  # protected devices, SaaS seats, storage
    M365 = "m365"  # the customers' Microsoft 365 tenants


class Linking(str, Enum):
    """Whether a link matcher can tie an account to its customer by name."""

    EASY = "easy"  # the name normalises to the customer's
    HARD = "hard"  # a genuine name for the customer that only a person can link
    NONE = "none"  # the account belongs to no client (the MSP's lab, a stray customer)


class DeviceClass(str, Enum):
    WORKSTATION = "workstation"
    LAPTOP = "laptop"
    SERVER = "server"  # physical servers and hypervisor hosts
    VIRTUAL = "virtual"  # virtual guests
    MOBILE = "mobile"
    NETWORK = "network"
    OTHER = "other"


class Kind(str, Enum):
    """What a customer is to the MSP."""

    CLIENT = "client"
    PROSPECT = "prospect"  # in the PSA, never billed
    FORMER = "former"  # gone; its records remain, deleted, in one tool
    OWN_LAB = "own lab"  # the MSP's own machines
    DISTRIBUTOR_ONLY = "distributor only"  # buys through the MSP's distributor account, unknown to the PSA
    BACKUP_ONLY = "backup only"  # a backup customer the PSA does not know


# security agent states
ACTIVE, INACTIVE, DECOMMISSIONED, DETECTED = "active", "inactive", "decommissioned", "detected"
# billing line kinds
BILLABLE, DO_NOT_BILL, NO_CHARGE = "billable", "do not bill", "no charge"
# subscription statuses; only ACTIVE counts
CANCELLED, TRIAL, PENDING, PENDING_CANCEL, WAITING = "cancelled", "trial", "pending", "pending cancel", "waiting"


@dataclass(frozen=True)
class Site:
    key: str  # unique within the customer: "main", "branch"
    name: str  # "Main Office", "Denver"
    city: str
    address: str


@dataclass(frozen=True)
class Account:
    """How the tools of one role file a customer: the name they show and the sites they hold."""

    role: Role
    name: str
    number: int  # creation order among the accounts of its role
    sites: tuple[str, ...] = ("main",)
    linking: Linking = Linking.EASY
    live: bool = True  # False: deleted in that tool, which still lists it
    domain: str | None = None  # a Microsoft 365 tenant's *.onmicrosoft.com name
    folder: str | None = None  # a reseller folder the tool files it under
    consent: bool = True  # False: a tenant that withdrew the MSP's access
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SecurityAgent:
    number: int
    state: str  # ACTIVE | INACTIVE | DECOMMISSIONED | DETECTED (seen on the network, no agent)
    last_seen: datetime
    tier: str  # "standard" | "advanced" | "complete"
    installed: datetime


@dataclass(frozen=True)
class BackupAgent:
    number: int
    kind: str  # "server" | "workstation" | "vm"
    protected_bytes: int
    last_backup: datetime
    previous: bool = False  # left on the platform the MSP is migrating away from


@dataclass(frozen=True)
class Device:
    number: int  # enrolment order across the MSP
    hostname: str
    site: str
    cls: DeviceClass
    os: str
    created: datetime
    last_seen: datetime  # by the RMM agent, or by the network for a device without one
    rmm: str | None = "approved"  # "approved" | "pending" | None (no RMM agent)
    hypervisor: str | None = None  # "vmware" | "hyperv", for hosts and their guests
    security: tuple[SecurityAgent, ...] = ()
    backup: tuple[BackupAgent, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    name: str
    upn: str
    kind: str = "user"  # "user" | "shared mailbox"
    licences: tuple[str, ...] = ()  # Microsoft SKU part numbers assigned
    backed_up: bool = False  # a SaaS backup seat


@dataclass(frozen=True)
class TenantLicence:
    """One SKU of a Microsoft 365 tenant; how many are assigned follows from the people."""

    sku: str  # skuPartNumber, e.g. "SPB"
    units: int  # enabled (usable) units
    warning: int = 0  # past their end, still usable for a grace period
    suspended: int = 0


@dataclass(frozen=True)
class Tenant:
    id: str  # the tenant's GUID
    licences: tuple[TenantLicence, ...]


@dataclass(frozen=True)
class Agreement:
    number: int
    name: str  # "Managed Services", "Remote Office"
    start: datetime
    cancelled: datetime | None = None


@dataclass(frozen=True)
class BillingLine:
    """A recurring PSA line: `quantity` units, of which `included` come with the agreement."""

    number: int
    agreement: str
    product: str  # the MSP's catalog code
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal
    start: datetime
    end: datetime | None = None  # cancelled as of this moment (may lie ahead)
    included: int = 0
    kind: str = BILLABLE
    description: str = ""

    @property
    def billed(self) -> int:
        return max(self.quantity - self.included, 0)


@dataclass(frozen=True)
class Subscription:
    """What the MSP buys from its distributor for the customer."""

    number: int
    product: str  # a `catalog.BOUGHT` code
    quantity: int
    price: Decimal  # to the customer
    cost: Decimal  # to the MSP
    term: str  # "monthly" | "annual" | "triennial" (NCE commitment terms)
    status: str
    created: datetime
    start: datetime
    end: datetime | None = None
    commitment_end: date | None = None


@dataclass(frozen=True)
class StorageMonth:
    month: date  # the first of the month
    bytes: int  # retained at the month's end (the current month: so far)


@dataclass(frozen=True)
class Customer:
    name: Name
    kind: Kind
    entered: datetime  # when the MSP first recorded it
    phone: str = ""
    website: str = ""
    sites: tuple[Site, ...] = ()
    accounts: tuple[Account, ...] = ()
    devices: tuple[Device, ...] = ()
    people: tuple[Person, ...] = ()
    tenant: Tenant | None = None
    agreements: tuple[Agreement, ...] = ()
    billing: tuple[BillingLine, ...] = ()
    purchases: tuple[Subscription, ...] = ()
    storage: tuple[StorageMonth, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        return self.name.canonical

    def accounts_of(self, role: Role) -> tuple[Account, ...]:
        return tuple(a for a in self.accounts if a.role == role)

    def held_by(self, account: Account) -> Iterator[Device]:
        """The devices at the sites `account` holds."""
        return (d for d in self.devices if d.site in account.sites)

    def assigned(self, sku: str) -> int:
        return sum(1 for p in self.people if sku in p.licences)


@dataclass(frozen=True)
class World:
    """One seeded MSP: its clients (the PSA's billed customers) and everyone else it meets."""

    seed: int
    now: datetime
    clients: tuple[Customer, ...]
    others: tuple[Customer, ...]

    @property
    def customers(self) -> tuple[Customer, ...]:
        return self.clients + self.others

    def client(self, name: str) -> Customer:
        """The client with this canonical name."""
        for client in self.clients:
            if client.canonical == name:
                return client
        raise KeyError(f"no client named {name!r} in this world")

    def accounts(self, role: Role) -> Iterator[tuple[Customer, Account]]:
        """Every account the tools of `role` hold, with its customer, in creation order."""
        found = [(c, a) for c in self.customers for a in c.accounts if a.role == role]
        return iter(sorted(found, key=lambda pair: pair[1].number))

    @cached_property
    def answer_key(self) -> tuple[Expected, ...]:
        """What the product should report for the planted checks (`checks.PLANTED`)."""
        from sandbox.truth import answers, checks

        return answers.answer_key(self, checks.PLANTED)

    def expected(self, client: str, check: str) -> Expected | None:
        """The planted check's result for one client, or None when it has none."""
        return next((e for e in self.answer_key if e.client == client and e.check == check), None)

    @property
    def unlinked(self) -> tuple[Unlinked, ...]:
        """Accounts no name matcher links: hard variants of a client's name, and orphans."""
        found = []
        for customer in self.customers:
            for account in customer.accounts:
                if account.linking == Linking.HARD:
                    found.append(Unlinked(account, "hard variant", customer.canonical))
                elif account.linking == Linking.NONE:
                    found.append(Unlinked(account, "orphan", None))
        return tuple(found)

    @property
    def hard_variants(self) -> tuple[Unlinked, ...]:
        return tuple(u for u in self.unlinked if u.reason == "hard variant")

    @property
    def orphans(self) -> tuple[Unlinked, ...]:
        return tuple(u for u in self.unlinked if u.reason == "orphan")


@dataclass(frozen=True)
class Unlinked:
    account: Account
    reason: str  # "hard variant" | "orphan"
    client: str | None  # the client a person would link it to

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def role(self) -> Role:
        return self.account.role
