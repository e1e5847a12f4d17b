"""The answer key: what the product should report for a world and some checks, computed once from
the truth by a small evaluator of its own.

    answer_key(world, checks.PLANTED)   # one `Expected` per client (or unlinked account) and check

Per check and side, every account of the side's role is read (`measures.items`); an account a
matcher links counts for its customer, any other account stands alone as `unmapped` under its
own name. A result's price is the billed side's quantity-weighted price, else the usage side's,
else the billed price most owners pay (ties to the higher), the first sale price of those three
before any distributor's cost. No vendor is involved.

A coverage check is answered device by device, never by name: a managed machine is covered when one of
its own live agents is held by a security account of the same owner; a live agent is on no managed device
when its device is not among that owner's managed machines. Machines and agents last seen before the
check's window are retired and left out; an owner with no gap has one `matched` result.

A three-way licence check (`CheckSpec.bought`) also reads the bought side: each owner's bought units,
their quantity-weighted cost (else the cost most owners pay), how assigned compares ("over-bought",
"assigned beyond bought", "matched") and, when over-bought, when those seats can go, from the truth's
subscriptions: a monthly one now; an annual or triennial one within 7 days after its term began now
("cancellation window until" the 7th day after), otherwise at its renewal, the day after its commitment
ends; seats taken from what can go soonest first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sandbox.truth.checks import CheckSpec, Side
from sandbox.truth.measures import items
from sandbox.truth.checks import COVERAGE
from sandbox.truth.model import (
    ACTIVE,
    INACTIVE,
    Account,
    Customer,
    Device,
    Linking,
    Role,
    SecurityAgent,
    Subscription,
    World,
)

UNDER, OVER, MATCHED, UNMAPPED = "under", "over", "matched", "unmapped"
STATUSES = (UNDER, OVER, MATCHED, UNMAPPED)
UNPROTECTED, UNMANAGED = "unprotected", "unmanaged"  # a coverage check's gaps, one per device
GAP_STATUSES = (UNPROTECTED, UNMANAGED)
PRICE_PLACES = Decimal("0.0001")
BYTES_PER = {"GB": 10**9, "TB": 10**12, "GiB": 2**30, "TiB": 2**40}  # decimal units unless binary
AT_COST = frozenset({Role.DISTRIBUTOR})  # roles whose prices are the MSP's cost, not a sale price
ZERO = Decimal(0)


@dataclass(frozen=True)
class Expected:
    """One check result the product should report."""

    client: str  # the client's canonical name, or an unlinked account's own name
    check: str
    billed: Decimal
    actual: Decimal
    status: str
    unit_price: Decimal | None
    impact: Decimal | None
    note: str = field(default="", compare=False)  # which traps shaped it, for a reader
    device: str = ""  # a coverage gap's device, by its host name
    # a three-way check's bought side: units, their cost, how assigned compares, when over-bought seats can go
    bought: Decimal | None = None
    bought_price: Decimal | None = None
    buying: str = ""
    reducible: str = ""

    @property
    def variance(self) -> Decimal:
        """Actual minus billed; positive means under-licensed."""
        return self.actual - self.billed

    @property
    def buying_variance(self) -> Decimal | None:
        """Assigned minus bought; negative: seats bought that nobody uses."""
        return None if self.bought is None else self.actual - self.bought

    @property
    def buying_impact(self) -> Decimal | None:
        if self.bought is None or self.bought_price is None or not self.buying or self.status == UNMAPPED:
            return None
        return (self.actual - self.bought) * self.bought_price


@dataclass
class _Sum:
    value: Decimal = ZERO
    amount: Decimal = ZERO
    priced: Decimal = ZERO
    notes: set[str] = field(default_factory=set)

    def price(self) -> Decimal | None:
        return (self.amount / self.priced).quantize(PRICE_PLACES) if self.priced else None


Owner = tuple[str, str]  # ("client", canonical name) or ("account", role:name)


def side_sums(world: World, side: Side, since: datetime | None = None) -> dict[Owner, tuple[str, _Sum]]:
    """Per owner: its display name and the side's sum over its accounts."""
    sums: dict[Owner, tuple[str, _Sum]] = {}
    for customer, account in world.accounts(side.role):
        counted = [i for i in items(customer, account, world.now) if i.metric in side.metrics]
        if not counted:
            continue
        linked = account.linking == Linking.EASY
        owner = ("client", customer.canonical) if linked else ("account", f"{side.role.value}:{account.name}")
        total = sums.setdefault(owner, (customer.canonical if linked else account.name, _Sum()))[1]
        total.notes.update(customer.tags + account.tags)
        for item in counted:
            if since is not None and item.last_seen is not None and item.last_seen < since:
                continue
            total.value += item.units
            if item.unit_price is not None:
                total.amount += item.units * item.unit_price
                total.priced += item.units
    return sums


def answer_key(world: World, checks: Iterable[CheckSpec]) -> tuple[Expected, ...]:
    """Every result the product should report for `checks`, ordered by check, then name."""
    checks = tuple(checks)
    results: list[Expected] = []
    for check in checks:
        since = world.now - timedelta(days=check.seen_within_days) if check.seen_within_days else None
        if check.kind == COVERAGE:
            results.extend(coverage(world, check, since))
            continue
        billed, usage = side_sums(world, check.billed), side_sums(world, check.usage, since)
        bought = side_sums(world, check.bought) if check.bought else {}
        fallback = most_common(s.price() for _, s in billed.values())
        bought_fallback = most_common(s.price() for _, s in bought.values())
        for owner in billed.keys() | usage.keys() | bought.keys():
            name = (billed.get(owner) or usage.get(owner) or bought[owner])[0]
            bill, use = billed.get(owner, (name, _Sum()))[1], usage.get(owner, (name, _Sum()))[1]
            buy = bought.get(owner, (name, _Sum()))[1]
            actual = _in_billed_units(use.value, check.ratio) if check.unit is None else _billable(use.value, check)
            # a sale price (a PSA's) wherever there is one; a distributor's cost only when there is none
            sides = ((bill.price(), check.billed.role), (use.price(), check.usage.role), (fallback, check.billed.role))
            price = next((p for p, role in sides if p is not None and role not in AT_COST), None)
            if price is None:
                price = next((p for p, role in sides if p is not None), None)
            note = "; ".join(sorted(bill.notes | use.notes | buy.notes))
            three_way = {} if check.bought is None else {
                "bought": buy.value, "bought_price": buy.price() if buy.price() is not None else bought_fallback}
            if owner[0] == "account":
                results.append(Expected(name, check.name, bill.value, actual, UNMAPPED, price, None, note, **three_way))
                continue
            variance = actual - bill.value
            allowance = max(check.tolerance_units, abs(bill.value) * check.tolerance_percent / 100)
            status = MATCHED if abs(variance) <= allowance else UNDER if variance > 0 else OVER
            if check.bought is not None and owner in usage:  # no tenant read: bought is not compared
                three_way.update(buying(world, check, owner[1], buy.value, actual, allowance_of(check, buy.value)))
            results.append(Expected(name, check.name, bill.value, actual, status, price,
                                    variance * price if price is not None else None, note, **three_way))
    order = {c.name: n for n, c in enumerate(checks)}
    return tuple(sorted(results, key=lambda r: (order[r.check], r.client.casefold(), r.device.casefold())))


def coverage(world: World, check: CheckSpec, since: datetime | None) -> list[Expected]:
    """Per owner: one result per uncovered machine and per agent on no managed machine, else `matched`."""
    def recent(moment: datetime | None) -> bool:
        return since is None or moment is None or moment >= since

    def owner_of(customer: Customer, account: Account, role: Role) -> tuple[Owner, str]:
        if account.linking == Linking.EASY:
            return ("client", customer.canonical), customer.canonical
        return ("account", f"{role.value}:{account.name}"), account.name

    managed: dict[Owner, dict[int, Device]] = {}
    agents: dict[Owner, list[tuple[Device, SecurityAgent]]] = {}
    names: dict[Owner, str] = {}
    for customer, account in world.accounts(check.billed.role):
        owner, name = owner_of(customer, account, check.billed.role)
        found = {id(d): d for d in customer.held_by(account) if d.rmm == "approved" and recent(d.last_seen)
                 and f"devices:{d.cls.value}" in check.billed.metrics}
        if found:
            managed.setdefault(owner, {}).update(found)
            names[owner] = name
    for customer, account in world.accounts(check.usage.role):
        owner, name = owner_of(customer, account, check.usage.role)
        found = [(d, a) for d in customer.held_by(account) for a in d.security if a.state in (ACTIVE, INACTIVE)
                 and recent(a.last_seen) and f"endpoints:{a.tier}" in check.usage.metrics]
        if found:
            agents.setdefault(owner, []).extend(found)
            names[owner] = name
    results = []
    for owner in managed.keys() | agents.keys():
        devices, protecting = managed.get(owner, {}), agents.get(owner, [])
        if owner[0] == "account":
            results.append(Expected(names[owner], check.name, Decimal(len(devices)), Decimal(len(protecting)),
                                    UNMAPPED, None, None))
            continue
        covered = {id(d) for d, _ in protecting}
        gaps = [Expected(names[owner], check.name, ZERO, ZERO, UNPROTECTED, None, None, "; ".join(d.tags), d.hostname)
                for key, d in devices.items() if key not in covered]
        gaps += [Expected(names[owner], check.name, ZERO, ZERO, UNMANAGED, None, None,
                          "; ".join(d.tags + (("awaiting approval in the RMM",) if d.rmm == "pending" else ())),
                          d.hostname) for d, _ in protecting if id(d) not in devices]
        results.extend(gaps or [Expected(names[owner], check.name, Decimal(len(devices)), Decimal(len(devices)),
                                         MATCHED, None, None)])
    return results


def allowance_of(check: CheckSpec, billed: Decimal) -> Decimal:
    return max(check.tolerance_units, abs(billed) * check.tolerance_percent / 100)


def buying(world: World, check: CheckSpec, client: str, bought: Decimal, assigned: Decimal,
           allowance: Decimal) -> dict[str, object]:
    """How a client's assigned seats compare with those bought, and when over-bought ones can go."""
    over = bought - assigned
    if abs(over) <= allowance:
        return {"buying": MATCHED}
    if over < 0:
        return {"buying": "assigned beyond bought"}
    assert check.bought is not None
    codes = {metric.partition(":")[2] for metric in check.bought.metrics}
    customer = next(c for c in world.customers if c.canonical == client)
    subs = [s for a in customer.accounts_of(check.bought.role) if a.live and a.linking == Linking.EASY
            for s in customer.purchases if s.status == ACTIVE and s.product in codes]
    return {"buying": "over-bought", "reducible": when_reducible(over, subs, world.now.date())}


CANCELLATION_DAYS = 7  # Microsoft NCE: a term can be cancelled or reduced within 168 hours of its start
YEARS = {"annual": 1, "triennial": 3}


def when_reducible(over: Decimal, subs: Iterable[Subscription], today: date) -> str:
    """The truth's own reading of when `over` unassigned seats can go, part by part."""
    parts: list[tuple[tuple[int, date], str, int]] = []
    for sub in subs:
        if sub.term == "monthly" or sub.commitment_end is None:
            parts.append(((0, today), "reducible now", sub.quantity))
            continue
        ends = sub.commitment_end
        after = ends + timedelta(days=1)
        began = date(after.year - YEARS[sub.term], after.month, min(after.day, 28) if after.month == 2 else after.day)
        closes = began + timedelta(days=CANCELLATION_DAYS)
        if began <= today < closes:
            parts.append(((1, closes), f"reducible now, cancellation window until {closes.isoformat()}", sub.quantity))
        else:
            parts.append(((2, after), f"{sub.term} term, reducible at renewal on {after.isoformat()}", sub.quantity))
    taken: dict[str, Decimal] = {}
    left = over
    for _, words, quantity in sorted(parts, key=lambda part: part[0]):
        if left <= 0:
            break
        share = min(left, Decimal(quantity))
        taken[words] = taken.get(words, ZERO) + share
        left -= share
    if len(taken) == 1:
        return next(iter(taken))
    return "; ".join(f"{count.normalize():f} {words}" for words, count in taken.items())


def most_common(prices: Iterable[Decimal | None]) -> Decimal | None:
    counted = Counter(p for p in prices if p is not None)
    return max(counted.items(), key=lambda item: (item[1], item[0]))[0] if counted else None


def _billable(stored_bytes: Decimal, check: CheckSpec) -> Decimal:
    """Storage in the check's unit beyond what is included: every started unit, or to hundredths."""
    beyond = max(ZERO, stored_bytes / BYTES_PER[check.unit or ""] - check.included)
    if check.rounding == "started":
        return beyond.to_integral_value(rounding=ROUND_CEILING)
    return beyond.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _in_billed_units(usage: Decimal, ratio: Decimal) -> Decimal:
    return usage if ratio == 1 else (usage * ratio).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
