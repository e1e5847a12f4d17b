"""What the MSP bills and buys for a customer: agreements and PSA lines, distributor subscriptions.

The planted lines realise a `Plan` (`billing`, `purchases`) together with the lines a connector must
skip (do-not-bill, no-charge, cancelled, not yet started, on a cancelled agreement) and the
subscriptions it must skip (cancelled, trial, pending…); `usage_lines` bills security and backup
near what the truth counts, with no planted mix.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sandbox.truth import answers, catalog, checks
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
    Agreement,
    BillingLine,
    Customer,
    Subscription,
)
from sandbox.truth.plan import Line, Plan, spread

JUNK_SUBSCRIPTIONS = {  # cast junk → (product, status, quantity)
    "sub_cancelled": (catalog.M365_LICENSED, CANCELLED, 5),
    "sub_trial": (catalog.SECURITY, TRIAL, 10),
    "sub_pending": (catalog.M365_LICENSED, PENDING, 3),
    "sub_pending_cancel": (catalog.SECURITY, PENDING_CANCEL, 2),
    "sub_waiting": (catalog.EXCHANGE, WAITING, 2),
}


def purchases(rng: random.Random, now: datetime, plan: Plan) -> tuple[Subscription, ...]:
    """What the MSP buys for a planned client: its planted licences, a few other products, and junk."""
    if not plan.distributor:
        return ()
    bought = [(catalog.SECURITY, line, ACTIVE) for line in plan.security]
    bought += [(catalog.M365_LICENSED, line, ACTIVE) for line in plan.m365_licensed]
    if rng.random() < 0.2:
        bought.append((catalog.M365_STANDARD, Line(rng.randint(2, 10), catalog.M365_STANDARD.price), ACTIVE))
    if rng.random() < 0.15:
        bought.append((catalog.EXCHANGE, Line(rng.randint(1, 6), catalog.EXCHANGE.price), ACTIVE))
    for junk in sorted(plan.junk & JUNK_SUBSCRIPTIONS.keys()):
        product, status, quantity = JUNK_SUBSCRIPTIONS[junk]
        bought.append((product, Line(quantity, product.price), status))
    return tuple(subscription(rng, now, product, line, status) for product, line, status in bought)

def subscription(rng: random.Random, now: datetime, product: catalog.Product, line: Line,
                 status: str = ACTIVE) -> Subscription:
    created = now - timedelta(days=rng.randint(60, 1200), seconds=rng.randint(0, 86399))
    start = created + timedelta(days=1)
    commitment = None
    if line.term == "annual":  # the commitment renews every year from its start
        years = now.year - start.year + 1
        commitment = start.replace(year=start.year + years, day=min(start.day, 28)).date()
    return Subscription(0, product.code, line.quantity, line.price, product.cost, line.term, status, created, start,
                        end=now - timedelta(days=rng.randint(1, 60)) if status == CANCELLED else None,
                        commitment_end=commitment)

def billing(rng: random.Random, now: datetime, plan: Plan) -> tuple[tuple[Agreement, ...], tuple[BillingLine, ...]]:
    """Agreements and lines for the planted products, and the lines a PSA must skip."""
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

# the storage line's status per client with storage, in turn: billed for the TB used rounded down
# (under by one started TB), billed exactly, a TB too many, whatever the draw gives
STORAGE_DEAL = (answers.UNDER, answers.MATCHED, answers.OVER, None)


def usage_lines(rng: random.Random, now: datetime, customer: Customer, main: Agreement,
                storage: str | None = None) -> tuple[BillingLine, ...]:
    """Security and backup lines, billed near what the truth counts (not planted: whatever mix follows),
    but the storage line's status when `storage` deals one (see `STORAGE_DEAL`)."""
    since = now - timedelta(days=checks.SEEN_WITHIN_DAYS)
    endpoints = sum(1 for d in customer.devices for a in d.security
                    if a.state in (ACTIVE, "inactive") and a.last_seen >= since)
    servers = sum(1 for d in customer.devices for a in d.backup if a.kind in ("server", "vm") and not a.previous)
    seats = sum(1 for p in customer.people if p.backed_up)
    # storage: every started TB beyond the included ones (decimal TB), as the storage check bills it
    stored = customer.storage[-1].bytes if customer.storage else 0
    terabytes = max(0, -(-(stored - checks.STORAGE_INCLUDED_TB * 10**12) // 10**12))
    wanted = [(catalog.ENDPOINT_SECURITY, endpoints, endpoints, 0.7), (catalog.SERVER_BACKUP, servers, servers, 0.9),
              (catalog.SAAS_BACKUP, seats, seats, 0.8), (catalog.BACKUP_STORAGE, stored, terabytes, 0.8)]
    lines = []
    for product, present, actual, share in wanted:
        billed, begins = 0, main.start
        if present and rng.random() < share:
            status = rng.choice((answers.UNDER, answers.OVER) + (answers.MATCHED,) * 4)
            billed = spread(rng, status, actual) if actual > 1 or status != answers.UNDER else actual
            begins += timedelta(days=rng.randint(0, 60))
        if product is catalog.BACKUP_STORAGE and storage is not None:
            # under: the TB used rounded down, not every started TB (2 billed for 2.3 beyond the free TB)
            billed = {answers.UNDER: max(0, actual - 1), answers.MATCHED: actual, answers.OVER: actual + 1}[storage]
        if billed:  # storage within the included TB bills nothing: no line, and a match at 0
            lines.append(BillingLine(0, main.name, product.code, billed, product.price, product.cost, begins,
                                     description=product.name))
    return tuple(lines)
