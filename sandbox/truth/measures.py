"""What each neutral metric counts for one account, read straight from the truth.

    billed:<product>        PSA      units a line bills now: billable, started, not ended, on an open
                                     agreement, less what the agreement includes (never below 0)
    licences:<product>      distributor   units on active subscriptions
    devices:<class>         RMM      devices with an approved agent at the account's sites
    endpoints:<tier>        security managed agents (active or inactive; never decommissioned or
                                     merely detected), by the tier they run
    protected:<kind>        backup   agents on the current platform: server, workstation, vm
    seats:<kind>            backup   SaaS-protected people: user, shared mailbox
    storage:bytes           backup   retained bytes, this month so far
    assigned:<sku>          M365     licences assigned to people (a tenant that withdrew consent
    purchased:<sku>                  is unreadable: no readings), enabled + warning units,
    suspended:<sku>                  suspended units

Each item carries its unit price (a PSA line's sale price; a purchase's cost to the MSP) and when
it was last seen (devices and agents); "seen within N days" counts only items seen since, and
keeps items that are never seen.
This is the sandbox's own reading of the rules (from `../shared/DESIGN.md` and the vendor
references), deliberately not the product's code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sandbox.truth import catalog
from sandbox.truth.model import (
    ACTIVE,
    BILLABLE,
    INACTIVE,
    Account,
    Customer,
    DeviceClass,
    Role,
)


@dataclass(frozen=True)
class Item:
    metric: str
    units: Decimal
    unit_price: Decimal | None = None
    last_seen: datetime | None = None


def _psa(customer: Customer, account: Account, now: datetime) -> Iterator[Item]:
    if not account.live:
        return
    open_agreements = {a.name for a in customer.agreements if a.cancelled is None or a.cancelled > now}
    for line in customer.billing:
        if (line.kind == BILLABLE and line.agreement in open_agreements and line.start <= now
                and (line.end is None or line.end > now)):
            yield Item(f"billed:{line.product}", Decimal(line.billed), line.unit_price)


def _distributor(customer: Customer, account: Account, now: datetime) -> Iterator[Item]:
    if account.live:
        # a distributor's price is what the MSP pays it (DESIGN: money from it is "at cost")
        yield from (Item(f"licences:{s.product}", Decimal(s.quantity), s.cost)
                    for s in customer.purchases if s.status == ACTIVE)


def _rmm(customer: Customer, account: Account, now: datetime) -> Iterator[Item]:
    for device in customer.held_by(account):
        if device.rmm == "approved":
            yield Item(f"devices:{device.cls.value}", Decimal(1), last_seen=device.last_seen)


def _security(customer: Customer, account: Account, now: datetime) -> Iterator[Item]:
    for device in customer.held_by(account):
        for agent in device.security:
            if agent.state in (ACTIVE, INACTIVE):
                yield Item(f"endpoints:{agent.tier}", Decimal(1), last_seen=agent.last_seen)


def _backup(customer: Customer, account: Account, now: datetime) -> Iterator[Item]:
    for device in customer.held_by(account):
        yield from (Item(f"protected:{agent.kind}", Decimal(1)) for agent in device.backup if not agent.previous)
    yield from (Item(f"seats:{person.kind}", Decimal(1)) for person in customer.people if person.backed_up)
    if customer.storage:
        yield Item("storage:bytes", Decimal(customer.storage[-1].bytes))


def _m365(customer: Customer, account: Account, now: datetime) -> Iterator[Item]:
    if not account.consent or customer.tenant is None:
        return
    for licence in customer.tenant.licences:
        yield Item(f"assigned:{licence.sku}", Decimal(customer.assigned(licence.sku)))
        yield Item(f"purchased:{licence.sku}", Decimal(licence.units + licence.warning))
        yield Item(f"suspended:{licence.sku}", Decimal(licence.suspended))


ITEMS: dict[Role, Callable[[Customer, Account, datetime], Iterator[Item]]] = {
    Role.PSA: _psa, Role.DISTRIBUTOR: _distributor, Role.RMM: _rmm, Role.SECURITY: _security,
    Role.BACKUP: _backup, Role.M365: _m365,
}


def items(customer: Customer, account: Account, now: datetime) -> Iterator[Item]:
    """Everything `account` counts, item by item."""
    return ITEMS[account.role](customer, account, now)


# every neutral metric, by role: what a fake vendor may map to its connector's keys
NEUTRAL: dict[Role, tuple[str, ...]] = {
    Role.PSA: tuple(f"billed:{p.code}" for p in catalog.SOLD),
    Role.DISTRIBUTOR: tuple(f"licences:{p.code}" for p in catalog.BOUGHT),
    Role.RMM: tuple(f"devices:{c.value}" for c in DeviceClass),
    Role.SECURITY: tuple(f"endpoints:{tier}" for tier in catalog.SECURITY_TIERS),
    Role.BACKUP: ("protected:server", "protected:workstation", "protected:vm", "seats:user", "seats:shared mailbox",
                  "storage:bytes"),
    Role.M365: tuple(f"{what}:{sku}" for sku in catalog.MICROSOFT for what in ("assigned", "purchased", "suspended")),
}
