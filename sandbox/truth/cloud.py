"""A customer's people, Microsoft 365 tenant and retained backup storage.

The tenant holds what the distributor sold it (each `BOUGHT` Microsoft product's active units)
plus free SKUs; most seats are assigned, some are not. Traps planted by `build.py`:

    unassigned seats     paid licences nobody uses
    suspended units      units of a cancelled licence not yet removed
    warning units        past their end, still usable for a grace period
    free SKUs            FLOW_FREE, POWER_BI_STANDARD, POWERAPPS_VIRAL: never paid seats
    consent withdrawn    a tenant that revoked the MSP's access (set on its M365 account)
    storage growth       retained backup storage grows month over month
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sandbox.truth import catalog
from sandbox.truth.model import ACTIVE, Person, StorageMonth, Subscription, Tenant, TenantLicence

FIRST = ("Ava", "Ben", "Chloe", "Dev", "Elena", "Finn", "Grace", "Hugo", "Isla", "Jonas", "Kai", "Lena", "Mateo",
         "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Yusuf", "Zoe")
LAST = ("Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski",
        "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Walker")
FREE = (("FLOW_FREE", 10000, 0.4), ("POWER_BI_STANDARD", 1000000, 0.2), ("POWERAPPS_VIRAL", 10000, 0.1))


def tenant(rng: random.Random, domain: str, purchases: Sequence[Subscription], elsewhere: int,
           *, unassigned: int, suspended: int) -> tuple[Tenant, tuple[Person, ...]]:
    """The tenant holding `purchases` (and `elsewhere` Business Premium seats bought elsewhere)."""
    units: dict[str, int] = {}
    for sub in purchases:
        sku = catalog.bought(sub.product).sku
        if sub.status == ACTIVE and sku:
            units[sku] = units.get(sku, 0) + sub.quantity
    if elsewhere:
        units["SPB"] = units.get("SPB", 0) + elsewhere
    users = max(units.values(), default=rng.randint(3, 12))
    people = [_person(rng, n, domain) for n in range(users)]
    licences = []
    for sku, count in units.items():
        spare = min(unassigned, count - 1) if sku == "SPB" else rng.choice((0, 0, 1))
        holders = rng.sample(range(users), count - spare) if count - spare <= users else range(users)
        for n in holders:
            people[n] = _assign(people[n], sku)
        licences.append(TenantLicence(sku, count, suspended=suspended if sku == "SPB" else 0))
    for sku, count, share in FREE:
        if rng.random() < share:
            for n in rng.sample(range(users), rng.randint(1, max(1, users // 3))):
                people[n] = _assign(people[n], sku)
            licences.append(TenantLicence(sku, count))
    people += [Person(f"{box.title()} mailbox", f"{box}@{domain}", kind="shared mailbox")
               for box in rng.sample(("info", "accounts", "support", "reception"), rng.randint(0, 3))]
    return Tenant(str(uuid.UUID(int=rng.getrandbits(128), version=4)), tuple(licences)), tuple(people)


def backed_up(rng: random.Random, people: Sequence[Person]) -> tuple[Person, ...]:
    """SaaS backup for everyone but a leaver or two."""
    leavers = set(rng.sample(range(len(people)), min(len(people), rng.choice((0, 0, 1, 2)))))
    return tuple(Person(p.name, p.upn, p.kind, p.licences, n not in leavers) for n, p in enumerate(people))


def storage(rng: random.Random, now: datetime, protected_bytes: int, months: int = 6) -> tuple[StorageMonth, ...]:
    """Retained storage for the last `months` months, growing 2–6 % a month to this month's figure."""
    figure = int(protected_bytes * rng.uniform(1.3, 2.4))
    history = []
    month = date(now.year, now.month, 1)
    for _ in range(months):
        history.append(StorageMonth(month, figure))
        figure = int(figure / rng.uniform(1.02, 1.06))
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    return tuple(reversed(history))


def _person(rng: random.Random, n: int, domain: str) -> Person:
    first, last = FIRST[(n * 7 + rng.randint(0, 3)) % len(FIRST)], LAST[(n * 3 + rng.randint(0, 5)) % len(LAST)]
    return Person(f"{first} {last}", f"{first.lower()}.{last.lower()}{n}@{domain}")


def _assign(person: Person, sku: str) -> Person:
    return Person(person.name, person.upn, person.kind, person.licences + (sku,), person.backed_up)
