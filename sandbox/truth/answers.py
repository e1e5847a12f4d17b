"""The answer key: what the product should report for a world and some checks, computed once from
the truth by a small evaluator of its own.

    answer_key(world, checks.PLANTED)   # one `Expected` per client (or unlinked account) and check

Per check and side, every account of the side's role is read (`measures.items`); an account a
matcher links counts for its customer, any other account stands alone as `unmapped` under its
own name. A result's price is the billed side's quantity-weighted price, else the usage side's,
else the billed price most owners pay (ties to the higher), the first sale price of those three
before any distributor's cost. No vendor is involved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sandbox.truth.checks import CheckSpec, Side
from sandbox.truth.measures import items
from sandbox.truth.model import Linking, Role, World

UNDER, OVER, MATCHED, UNMAPPED = "under", "over", "matched", "unmapped"
STATUSES = (UNDER, OVER, MATCHED, UNMAPPED)
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

    @property
    def variance(self) -> Decimal:
        """Actual minus billed; positive means under-licensed."""
        return self.actual - self.billed


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
        billed, usage = side_sums(world, check.billed), side_sums(world, check.usage, since)
        fallback = most_common(s.price() for _, s in billed.values())
        for owner in billed.keys() | usage.keys():
            name = (billed.get(owner) or usage[owner])[0]
            bill, use = billed.get(owner, (name, _Sum()))[1], usage.get(owner, (name, _Sum()))[1]
            actual = _in_billed_units(use.value, check.ratio) if check.unit is None else _billable(use.value, check)
            # a sale price (a PSA's) wherever there is one; a distributor's cost only when there is none
            sides = ((bill.price(), check.billed.role), (use.price(), check.usage.role), (fallback, check.billed.role))
            price = next((p for p, role in sides if p is not None and role not in AT_COST), None)
            if price is None:
                price = next((p for p, role in sides if p is not None), None)
            note = "; ".join(sorted(bill.notes | use.notes))
            if owner[0] == "account":
                results.append(Expected(name, check.name, bill.value, actual, UNMAPPED, price, None, note))
                continue
            variance = actual - bill.value
            allowance = max(check.tolerance_units, abs(bill.value) * check.tolerance_percent / 100)
            status = MATCHED if abs(variance) <= allowance else UNDER if variance > 0 else OVER
            results.append(Expected(name, check.name, bill.value, actual, status, price,
                                    variance * price if price is not None else None, note))
    order = {c.name: n for n, c in enumerate(checks)}
    return tuple(sorted(results, key=lambda r: (order[r.check], r.client.casefold())))


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
