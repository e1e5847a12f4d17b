"""The sandbox world as plain frozen values: what each vendor holds, and the answer key.

Records keep the facts that matter to a reconciliation (ids, names, quantities, prices, dates,
statuses) in Python types; the vendor modules (`connectwise.py`, `ninjaone.py`, `pax8.py`) turn
them into each vendor's JSON. Dates are aware UTC datetimes; NinjaOne's are epoch seconds, as
NinjaOne sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

UNDER, OVER, MATCHED, UNMAPPED = "under", "over", "matched", "unmapped"
STATUSES = (UNDER, OVER, MATCHED, UNMAPPED)


@dataclass(frozen=True)
class Expected:
    """One check result the product should report for the world, as the generator planted it."""

    client: str  # canonical (ConnectWise) name, or an unlinked account's own name
    check: str
    billed: Decimal
    actual: Decimal
    status: str
    unit_price: Decimal | None
    impact: Decimal | None
    # why the generator planted it, for humans reading a failing test or the demo
    note: str = field(default="", compare=False)

    @property
    def variance(self) -> Decimal:
        """Actual minus billed; positive means under-licensed."""
        return self.actual - self.billed


@dataclass(frozen=True)
class Client:
    """An MSP customer: its ConnectWise company and the accounts a link matcher should tie to it."""

    name: str
    company_id: int
    identifier: str
    ninjaone_org_ids: tuple[int, ...] = ()
    pax8_company_id: str | None = None


@dataclass(frozen=True)
class UnlinkedAccount:
    """An account no easy name match reaches: a hard variant of a client, or an orphan."""

    vendor: str
    account_id: str
    name: str
    reason: str  # "hard variant" | "orphan"
    client: str | None = None  # the client a human would approve it for


# -- ConnectWise PSA -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CwCompany:
    id: int
    identifier: str
    name: str
    type: str  # "Client" | "Prospect"
    city: str
    state: str
    phone: str
    website: str
    entered: datetime
    deleted: datetime | None = None


@dataclass(frozen=True)
class CwAgreement:
    id: int
    name: str
    company_id: int
    contact: str
    start: datetime
    cancelled: datetime | None = None


@dataclass(frozen=True)
class CwAddition:
    id: int
    agreement_id: int
    product: str  # catalog identifier, e.g. "MW-01"
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal
    effective: datetime
    less_included: int = 0
    bill_customer: str = "Billable"  # Billable | DoNotBill | NoCharge
    cancelled: datetime | None = None
    description: str = ""


@dataclass(frozen=True)
class CwCatalogItem:
    id: int
    identifier: str
    description: str
    price: Decimal
    cost: Decimal
    vendor_sku: str
    recurring: bool


@dataclass(frozen=True)
class ConnectWiseData:
    companies: tuple[CwCompany, ...]
    agreements: tuple[CwAgreement, ...]
    additions: tuple[CwAddition, ...]
    catalog: tuple[CwCatalogItem, ...]


# -- NinjaOne -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NinjaLocation:
    id: int
    name: str
    address: str


@dataclass(frozen=True)
class NinjaOrg:
    id: int
    name: str
    approval_mode: str  # AUTOMATIC | MANUAL
    locations: tuple[NinjaLocation, ...]


@dataclass(frozen=True)
class NinjaDevice:
    id: int
    uid: str
    organization_id: int
    location_id: int
    node_class: str
    approved: bool
    offline: bool
    system_name: str
    created: float  # epoch seconds with a fraction
    last_contact: float
    dns_name: str | None = None


@dataclass(frozen=True)
class NinjaOneData:
    organizations: tuple[NinjaOrg, ...]
    devices: tuple[NinjaDevice, ...]


# -- Pax8 -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pax8Company:
    id: str
    name: str
    street: str
    city: str
    state: str
    postal_code: str
    phone: str
    website: str
    updated: datetime
    status: str = "Active"  # Active | Inactive | Deleted
    external_id: str | None = None


@dataclass(frozen=True)
class Pax8Product:
    id: str
    name: str
    vendor: str
    sku: str
    vendor_sku: str


@dataclass(frozen=True)
class Pax8Subscription:
    id: str
    company_id: str
    product_id: str
    product_name: str
    quantity: int
    price: Decimal
    partner_cost: Decimal
    status: str
    billing_term: str
    start: datetime
    created: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Pax8Data:
    companies: tuple[Pax8Company, ...]
    products: tuple[Pax8Product, ...]
    subscriptions: tuple[Pax8Subscription, ...]


# -- the whole world ------------------------------------------------------------------------------

@dataclass(frozen=True)
class World:
    """One seeded MSP: its clients, what three vendors hold about them, and the expected results."""

    seed: int
    now: datetime
    clients: tuple[Client, ...]
    connectwise: ConnectWiseData
    ninjaone: NinjaOneData
    pax8: Pax8Data
    answer_key: tuple[Expected, ...]
    unlinked: tuple[UnlinkedAccount, ...]
    # per check: the unit price most common across clients for its billed metric
    fallback_prices: tuple[tuple[str, Decimal], ...] = ()

    def client(self, name: str) -> Client:
        """The client with this canonical name."""
        for client in self.clients:
            if client.name == name:
                return client
        raise KeyError(f"no client named {name!r} in this world")

    def expected(self, client: str, check: str) -> Expected | None:
        """The planted result for one client and check, or None when it has none."""
        return next((e for e in self.answer_key if e.client == client and e.check == check), None)

    @property
    def hard_variants(self) -> tuple[UnlinkedAccount, ...]:
        return tuple(a for a in self.unlinked if a.reason == "hard variant")

    @property
    def orphans(self) -> tuple[UnlinkedAccount, ...]:
        return tuple(a for a in self.unlinked if a.reason == "orphan")
