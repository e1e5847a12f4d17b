"""The ConnectWise PSA part of the world: companies, agreements and their additions, realising each
client's plan, plus the records a connector must skip.

Skipped on purpose: a deleted company, prospects without agreements, cancelled agreements, and
additions that are DoNotBill, NoCharge, already cancelled or not yet effective. An addition whose
cancelledDate is still in the future does bill, and so counts.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sandbox import catalog
from sandbox.answers import Line
from sandbox.client_plan import Plan
from sandbox.model import (
    ConnectWiseData,
    CwAddition,
    CwAgreement,
    CwCatalogItem,
    CwCompany,
)
from sandbox.names import CITIES, Name, identifier

CONTACTS = ("Dana Whitfield", "Luis Ortega", "Priya Natarajan", "Tom Becker", "Grace Liu", "Omar Haddad",
            "Mia Kowalski", "Sam Eriksen", "Ava Brooks", "Noah Fischer", "Zoe Adeyemi", "Ethan Park")
STATES = ("CO", "TX", "AZ", "WA", "CA", "NE", "OK", "NV", "ID", "WI", "NC", "GA", "MN", "UT")
CATALOG_IDS = {product.code: 812 + 7 * n for n, product in enumerate(catalog.CONNECTWISE_CATALOG)}
PRODUCTS = {product.code: product for product in catalog.CONNECTWISE_CATALOG}


def build(rng: random.Random, now: datetime, plans: Sequence[Plan], prospects: Sequence[Name],
          deleted: Name) -> tuple[ConnectWiseData, dict[str, CwCompany]]:
    """ConnectWise records for every plan; also each client's company, by canonical name."""
    taken: set[str] = set()
    named = [(name, "Client") for name in (p.name for p in plans)] + [(n, "Prospect") for n in prospects]
    named.append((deleted, "Client"))
    rng.shuffle(named)  # ids interleave clients, prospects and the deleted company
    companies: list[CwCompany] = []
    next_id = 250
    for name, kind in named:
        city = rng.choice(CITIES)
        companies.append(CwCompany(
            id=next_id, identifier=identifier(name, taken), name=name.canonical, type=kind, city=city,
            state=STATES[CITIES.index(city) % len(STATES)], phone=f"{rng.randint(201, 989)}-555-{rng.randint(0, 9999):04d}",
            website=f"www.{identifier(name, set()).lower()}.example", entered=now - timedelta(days=rng.randint(400, 3000)),
            deleted=now - timedelta(days=rng.randint(30, 400)) if name == deleted else None,
        ))
        next_id += rng.randint(1, 9)
    by_name = {c.name: c for c in companies}

    writer = _Writer(rng, now)
    for plan in sorted(plans, key=lambda p: by_name[p.name.canonical].id):
        writer.client(plan, by_name[plan.name.canonical])
    catalog_items = tuple(
        CwCatalogItem(CATALOG_IDS[p.code], p.code, p.name, p.price, p.cost, p.vendor_sku, recurring=p.code != "HD-10")
        for p in catalog.CONNECTWISE_CATALOG
    )
    data = ConnectWiseData(tuple(companies), tuple(writer.agreements), tuple(writer.additions), catalog_items)
    return data, {plan.name.canonical: by_name[plan.name.canonical] for plan in plans}


class _Writer:
    """Appends agreements and additions with ascending ids."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.agreements: list[CwAgreement] = []
        self.additions: list[CwAddition] = []
        self.next_agreement, self.next_addition = 311, 1423

    def client(self, plan: Plan, company: CwCompany) -> None:
        rng, now = self.rng, self.now
        start = now - timedelta(days=rng.randint(200, 1800))
        agreements = {"Managed Services": self.agreement(company, "Managed Services", start)}
        lines = [("MW-01", plan.mw), ("MS-01", plan.servers_billed), ("M365-BP", plan.m365_billed)]
        if plan.servers_billed and rng.random() < 0.35:
            backup = PRODUCTS["BK-01"].price
            lines.append(("BK-01", tuple(Line(line.quantity, backup) for line in plan.servers_billed)))
        for code, product_lines in lines:
            for line in product_lines:
                if line.agreement not in agreements:
                    agreements[line.agreement] = self.agreement(company, line.agreement, start + timedelta(days=90))
                where = agreements[line.agreement]
                self.add(where, code, line, effective=where.start + timedelta(days=rng.randint(0, 60)))
        main = agreements["Managed Services"]
        junk = plan.junk
        if "donotbill" in junk:
            self.add(main, "MW-01", Line(2, PRODUCTS["MW-01"].price), bill_customer="DoNotBill",
                     description="Loaner laptops (not billed)")
        if "nocharge" in junk:
            self.add(main, "M365-BP", Line(1, PRODUCTS["M365-BP"].price), bill_customer="NoCharge",
                     description="Complimentary licence")
        if "cancelled_addition" in junk:
            self.add(main, "MW-01", Line(3, PRODUCTS["MW-01"].price), cancelled=now - timedelta(days=rng.randint(5, 90)))
        if "future_addition" in junk:
            self.add(main, "MW-01", Line(4, PRODUCTS["MW-01"].price), effective=now + timedelta(days=rng.randint(10, 40)),
                     description="Managed Workstation (new office, starts next month)")
        if "cancelled_agreement" in junk:
            old_start = start - timedelta(days=rng.randint(400, 900))
            old = self.agreement(company, "Managed Services (legacy)", old_start,
                                 cancelled=start - timedelta(days=rng.randint(1, 30)))
            self.add(old, "MW-01", Line(5, PRODUCTS["MW-01"].price))
            self.add(old, "M365-BP", Line(5, PRODUCTS["M365-BP"].price))

    def agreement(self, company: CwCompany, kind: str, start: datetime,
                  cancelled: datetime | None = None) -> CwAgreement:
        agreement = CwAgreement(self.next_agreement, f"{company.name} - {kind}", company.id,
                                self.rng.choice(CONTACTS), start, cancelled)
        self.agreements.append(agreement)
        self.next_agreement += self.rng.randint(1, 4)
        return agreement

    def add(self, agreement: CwAgreement, code: str, line: Line, *, effective: datetime | None = None,
            cancelled: datetime | None = None, bill_customer: str = "Billable", description: str = "") -> None:
        product = PRODUCTS[code]
        if line.cancels_in_days is not None:
            cancelled = self.now + timedelta(days=line.cancels_in_days)
        self.additions.append(CwAddition(
            id=self.next_addition, agreement_id=agreement.id, product=code,
            quantity=line.quantity + line.less_included, less_included=line.less_included,
            unit_price=line.price, unit_cost=product.cost,
            effective=effective or agreement.start, cancelled=cancelled, bill_customer=bill_customer,
            description=description or product.name,
        ))
        self.next_addition += self.rng.randint(1, 5)
