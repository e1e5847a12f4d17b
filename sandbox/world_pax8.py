"""The Pax8 part of the world: companies under their own spelling, the product catalog, and
subscriptions realising each client's licences.

Skipped on purpose: subscriptions that are Cancelled, Trial, PendingManual, PendingCancel or
WaitingForDetails, and a Deleted company whose subscriptions were all cancelled. Other
Microsoft products (Business Standard, Exchange Online) appear too; no demo check reads them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sandbox import catalog
from sandbox.answers import Line
from sandbox.client_plan import Plan
from sandbox.model import Pax8Company, Pax8Data, Pax8Product, Pax8Subscription
from sandbox.names import CITIES, Name, easy_variant

JUNK = {  # plan junk kind → (product, status, quantity)
    "sub_cancelled": (catalog.M365_LICENSED, "Cancelled", 5),
    "sub_trial": (catalog.SECURITY, "Trial", 10),
    "sub_pending": (catalog.M365_LICENSED, "PendingManual", 3),
    "sub_pending_cancel": (catalog.SECURITY, "PendingCancel", 2),
    "sub_waiting": (catalog.EXCHANGE, "WaitingForDetails", 2),
}
STREETS = ("Liberty Lane", "Quebec St", "Market St", "Commerce Ave", "Pine St", "Canal Rd", "Ridge Rd")


def build(rng: random.Random, now: datetime, plans: Sequence[Plan], orphan: tuple[Name, Line, Line],
          gone: Name) -> tuple[Pax8Data, dict[str, str]]:
    """Pax8 records; also each client's Pax8 company id, by canonical name."""
    products = tuple(Pax8Product(_uuid(rng), p.name, p.vendor, p.code, p.vendor_sku) for p in catalog.PAX8_CATALOG)
    product = {p.sku: p for p in products}
    writer = _Writer(rng, now, product)
    taken: set[str] = set()
    ids: dict[str, str] = {}
    for plan in plans:
        if not plan.pax8:
            continue
        name = next(n for n in (easy_variant(rng, plan.name) for _ in range(20)) if n not in taken)
        taken.add(name)
        company = writer.company(name, external_id=plan.name.base[:3].upper() + str(rng.randint(100, 999))
                                 if rng.random() < 0.3 else None)
        ids[plan.name.canonical] = company.id
        for line in plan.security:
            writer.subscription(company, catalog.SECURITY, line)
        for line in plan.m365_licensed:
            writer.subscription(company, catalog.M365_LICENSED, line)
        if rng.random() < 0.2:
            writer.subscription(company, catalog.M365_STANDARD, Line(rng.randint(2, 10), catalog.M365_STANDARD.price))
        if rng.random() < 0.15:
            writer.subscription(company, catalog.EXCHANGE, Line(rng.randint(1, 6), catalog.EXCHANGE.price))
        for kind in sorted(plan.junk & JUNK.keys()):
            sold, status, quantity = JUNK[kind]
            writer.subscription(company, sold, Line(quantity, sold.price), status=status)

    orphan_name, security, m365 = orphan
    stray = writer.company(orphan_name.canonical)
    writer.subscription(stray, catalog.SECURITY, security)
    writer.subscription(stray, catalog.M365_LICENSED, m365)
    former = writer.company(gone.canonical, status="Deleted")
    writer.subscription(former, catalog.M365_LICENSED, Line(rng.randint(3, 9), catalog.M365_LICENSED.price),
                        status="Cancelled")

    companies = writer.companies[:]
    rng.shuffle(companies)  # Pax8 lists companies in its own order, not the PSA's
    return Pax8Data(tuple(companies), products, tuple(writer.subscriptions)), ids


class _Writer:
    def __init__(self, rng: random.Random, now: datetime, products: dict[str, Pax8Product]) -> None:
        self.rng, self.now, self.products = rng, now, products
        self.companies: list[Pax8Company] = []
        self.subscriptions: list[Pax8Subscription] = []

    def company(self, name: str, *, status: str = "Active", external_id: str | None = None) -> Pax8Company:
        rng = self.rng
        slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:20] or "company"
        company = Pax8Company(
            id=_uuid(rng), name=name, street=f"{rng.randint(100, 99999)} {rng.choice(STREETS)}",
            city=rng.choice(CITIES), state="CO", postal_code=f"{rng.randint(10000, 99999)}",
            phone=f"{rng.randint(201, 989)}-555-{rng.randint(0, 9999):04d}", website=f"https://{slug}.example",
            updated=self.now - timedelta(days=rng.randint(1, 300), seconds=rng.randint(0, 86399)),
            status=status, external_id=external_id,
        )
        self.companies.append(company)
        return company

    def subscription(self, company: Pax8Company, sold: catalog.Product, line: Line, *,
                     status: str = "Active") -> None:
        rng = self.rng
        created = self.now - timedelta(days=rng.randint(60, 1200), seconds=rng.randint(0, 86399))
        self.subscriptions.append(Pax8Subscription(
            id=_uuid(rng), company_id=company.id, product_id=self.products[sold.code].id, product_name=sold.name,
            quantity=line.quantity, price=line.price, partner_cost=sold.cost, status=status,
            billing_term=line.term, start=created + timedelta(days=1), created=created,
            end=self.now - timedelta(days=rng.randint(1, 60)) if status == "Cancelled" else None,
        ))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
