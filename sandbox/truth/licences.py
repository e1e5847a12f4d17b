"""The three-way licence check's plantings: billed (PSA) vs bought (distributor) vs assigned (the tenant).

After every client is written, the clients whose tenant holds Business Premium bought from the
distributor are dealt, in turn, one of the parts below: the tenant's assigned seats (and, for seats
bought elsewhere, its units) and the subscription's commitment term are set so each part is planted in
every world. What the PSA bills and what the distributor sells are never touched, so the two-sided
checks' results stay as planted; only what the tenant assigns and the terms move. A separate random
stream keeps every other draw of the world where it was.

    under-billed while over-bought        billed < assigned < bought, monthly term: "reducible now"
    over-bought on an annual term         "annual term, reducible at renewal on …"
    over-bought, triennial renewing soon  a triennial term ending within 30 days (the digest's renewals)
    over-bought in the cancellation window an annual term that began a few days ago: reducible now
    assigned beyond bought                seats assigned from units bought elsewhere
    bought as assigned                    every seat bought is assigned (billing as dealt)
    over-bought on two terms              more unassigned than the monthly part: that part now, the rest at renewal
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sandbox.truth import catalog
from sandbox.truth.model import ACTIVE, Customer, Person, Role, Subscription
from sandbox.truth.measures import items

UNDER_OVER_BOUGHT = "under-billed while over-bought"
ANNUAL = "over-bought on an annual term"
TRIENNIAL_SOON = "over-bought on a triennial term renewing within 30 days"
WINDOW = "over-bought in the cancellation window"
BEYOND = "assigned beyond bought"
TWO_TERMS = "over-bought on two terms"
AS_BOUGHT = "bought as assigned"
PARTS = (UNDER_OVER_BOUGHT, ANNUAL, TRIENNIAL_SOON, WINDOW, BEYOND, AS_BOUGHT)
SKU = catalog.M365_LICENSED.sku
TERM_YEARS = {"annual": 1, "triennial": 3}


def plant(customers: list[Customer], seed: int, now: datetime) -> list[Customer]:
    """The customers, with each eligible client dealt its part (those not dealt are as written)."""
    rng = random.Random(f"{seed}:three-way")
    owed = list(PARTS)
    planted = []
    for customer in customers:
        numbers = _numbers(customer, now)
        if numbers is None:
            planted.append(customer)
            continue
        billed, bought = numbers
        if "two_m365_subs" in customer.tags:
            planted.append(_two_terms(customer, rng, now))
            continue
        part = next((p for p in owed if _assigned_for(p, billed, bought) is not None), None)
        if part is None:
            planted.append(customer)
            continue
        owed.remove(part)
        owed.append(part)  # dealt in turn: the next client gets the next part still owed
        planted.append(_deal(customer, part, _assigned_for(part, billed, bought) or 0, rng, now))
    return planted


def _numbers(customer: Customer, now: datetime) -> tuple[int, int] | None:
    """(billed M365-BP, bought Business Premium) of a client the three-way check can read, else None."""
    m365 = customer.accounts_of(Role.M365)
    distributor = customer.accounts_of(Role.DISTRIBUTOR)
    if (customer.tenant is None or not m365 or not m365[0].consent or not distributor or not distributor[0].live
            or not any(lic.sku == SKU for lic in customer.tenant.licences)):
        return None
    bought = sum(s.quantity for s in _bought(customer))
    if not bought:
        return None
    billed = sum(int(i.units) for a in customer.accounts_of(Role.PSA) for i in items(customer, a, now)
                 if i.metric == f"billed:{catalog.M365_BILLED.code}")
    return billed, bought


def _bought(customer: Customer) -> list[Subscription]:
    return [s for s in customer.purchases if s.product == catalog.M365_LICENSED.code and s.status == ACTIVE]


def _assigned_for(part: str, billed: int, bought: int) -> int | None:
    """The seats the tenant assigns for `part`, or None when this client's numbers cannot plant it."""
    if part == UNDER_OVER_BOUGHT:
        assigned = billed + max(1, (bought - billed) // 2)
        return assigned if billed < assigned < bought else None
    if part == BEYOND:
        return bought + 1 + (bought + billed) % 3
    if part == AS_BOUGHT:
        return bought
    return bought - min(bought - 1, 1 + (bought + billed) % 3) if bought > 1 else None


def _deal(customer: Customer, part: str, assigned: int, rng: random.Random, now: datetime) -> Customer:
    today = now.date()
    terms: dict[str, Callable[[Subscription], Subscription]] = {
        UNDER_OVER_BOUGHT: lambda s: _term(s, "monthly", None),
        BEYOND: lambda s: s,
        AS_BOUGHT: lambda s: s,
        ANNUAL: lambda s: _term(s, "annual", today + timedelta(days=rng.randint(60, 300))),
        TRIENNIAL_SOON: lambda s: _term(s, "triennial", today + timedelta(days=rng.randint(5, 25))),
        # an annual term that began 1–4 days ago: it ends the day before its anniversary
        WINDOW: lambda s: _term(s, "annual", _anniversary(today - timedelta(days=rng.randint(1, 4)), 1)
                                - timedelta(days=1)),
    }
    purchases = tuple(terms[part](s) if s in _bought(customer) else s for s in customer.purchases)
    return _tagged(_assign(dataclasses.replace(customer, purchases=purchases), assigned), part)


def _two_terms(customer: Customer, rng: random.Random, now: datetime) -> Customer:
    """A monthly and an annual subscription: one seat more unassigned than the monthly part holds."""
    subs = _bought(customer)
    monthly = sum(s.quantity for s in subs if s.term == "monthly")
    annual = [s for s in subs if s.term != "monthly"]
    if not monthly or not annual:
        return customer
    ends = now.date() + timedelta(days=rng.randint(40, 200))
    purchases = tuple(_term(s, s.term, ends) if s in annual else s for s in customer.purchases)
    bought = sum(s.quantity for s in subs)
    return _tagged(_assign(dataclasses.replace(customer, purchases=purchases), bought - monthly - 1), TWO_TERMS)


def _term(sub: Subscription, term: str, ends: date | None) -> Subscription:
    return dataclasses.replace(sub, term=term, commitment_end=ends)


def _anniversary(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def _assign(customer: Customer, assigned: int) -> Customer:
    """`assigned` people holding the SKU (newcomers where there are too few); its units raised to hold them
    (seats bought elsewhere, beyond the distributor's)."""
    people = list(customer.people)
    holders = [n for n, p in enumerate(people) if SKU in p.licences]
    for n in holders[assigned:]:
        people[n] = dataclasses.replace(people[n], licences=tuple(s for s in people[n].licences if s != SKU))
    free = [n for n, p in enumerate(people) if p.kind == "user" and SKU not in p.licences]
    for n in free[:max(0, assigned - len(holders))]:
        people[n] = dataclasses.replace(people[n], licences=people[n].licences + (SKU,))
    domain = customer.accounts_of(Role.M365)[0].domain or "tenant.onmicrosoft.com"
    while sum(1 for p in people if SKU in p.licences) < assigned:
        people.append(Person(f"New starter {len(people) + 1}", f"new.starter{len(people) + 1}@{domain}",
                             licences=(SKU,)))
    tenant = customer.tenant
    assert tenant is not None
    licences = tuple(dataclasses.replace(lic, units=max(lic.units, assigned)) if lic.sku == SKU else lic
                     for lic in tenant.licences)
    return dataclasses.replace(customer, people=tuple(people), tenant=dataclasses.replace(tenant, licences=licences))


def _tagged(customer: Customer, part: str) -> Customer:
    accounts = tuple(dataclasses.replace(a, tags=tuple(sorted(set(a.tags) | {part}))) if a.role == Role.M365 else a
                     for a in customer.accounts)
    return dataclasses.replace(customer, accounts=accounts)

