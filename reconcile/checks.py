"""Checks and their evaluation: the pure heart of BillingReconcile.

A check compares what a client is billed (one side) with what it really uses (the other),
for every client:

    Managed workstations: ConnectWise billed:MW-01  vs  NinjaOne devices:workstation seen within 30 days
    client     billed  actual  variance  status
    Acme Corp      10      12        +2  under   (using more than paying for: lost revenue)
    Bluebird        8       6        -2  over    (paying for what it does not use)

`evaluate()` takes plain values (readings per side, approved links, source freshness,
acknowledged exceptions) and returns one `CheckResult` per client and check. It never raises
or skips: an account without an approved link is `unmapped`, a check fed by a source we cannot
trust is `stale`, an acknowledged variance is `excepted`, each with the numbers behind it. A
check that cannot be evaluated at all (say, one stored before today's bounds, with numbers that
no longer compute) is one `failed` result with the reason, and every other check still reports.

A three-way licence check (Microsoft 365) has a third side, `bought` (a distributor or Partner Center),
between billed (the PSA) and usage (the tenant's assigned seats). Its status stays the billing one,
billed vs assigned; the result also carries the bought quantity and the buying variance, assigned −
bought, with its own meaning and money (the distributor's price, *at cost*):

    client     billed  bought  assigned  billing   buying
    Acme Corp      10      14        12  +2 under  -2 over-bought: the MSP pays for 2 seats nobody uses
    Bluebird        8       6         8  matched   +2 assigned beyond bought

Assigned beyond bought means the tenant uses seats this source does not sell it: bought elsewhere
(another distributor, directly, a trial) or not yet in the distributor's count; the MSP should find
where they come from before it bills or buys. An over-bought result says when its seats can go
(`reconcile.terms`: a monthly term now, an annual one at its renewal).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from reconcile import coverage
from reconcile.coverage import Machine
from reconcile.storage_units import StorageBilling
from reconcile.terms import RENEWALS_AHEAD, Commitment, reducible

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

QUANTITY, COVERAGE = "quantity", "coverage"  # the kinds of check

AccountKey = tuple[int, str]  # (integration id, the account's id in that source)


class Status(str, Enum):
    MATCHED = "matched"
    UNDER = "under"
    OVER = "over"
    UNMAPPED = "unmapped"
    STALE = "stale"
    EXCEPTED = "excepted"
    FAILED = "failed"  # the whole check could not be evaluated; one result for it, no client
    # a coverage check's gaps: one result per device (see reconcile.coverage)
    UNPROTECTED = "unprotected"
    UNMANAGED = "unmanaged"
    AMBIGUOUS = "ambiguous"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    Status.UNDER: "under-licensed",
    Status.OVER: "over-licensed",
    Status.MATCHED: "matched",
    Status.UNMAPPED: "unmapped",
    Status.STALE: "stale",
    Status.EXCEPTED: "excepted",
    Status.FAILED: "failed",
    Status.UNPROTECTED: "no security agent",
    Status.UNMANAGED: "agent on no managed device",
    Status.AMBIGUOUS: "ambiguous match",
}
GAP_STATUSES = frozenset({Status.UNPROTECTED, Status.UNMANAGED, Status.AMBIGUOUS})

# how a result priced from a cost says so in its note (and how a snapshot's copy is recognised)
AT_COST = "at cost"

# the next step of every unmapped result, in both faces' words (its CSV is posted in Slack too)
LINK_IT = "link it with /billrec map in Slack, or billrec links suggest"

# statuses whose money is shown as at stake
MONEY_AT_STAKE = frozenset({Status.UNDER, Status.OVER, Status.EXCEPTED})

# statuses whose variance is trustworthy enough to put a price on
MONEY_STATUSES = frozenset({Status.MATCHED, Status.UNDER, Status.OVER, Status.EXCEPTED})

# The order a reader wants: a check missing from every number first, then lost revenue, then
# refunds owed, then what needs a human.
STATUS_ORDER = (Status.FAILED, Status.UNDER, Status.OVER, Status.UNPROTECTED, Status.UNMANAGED, Status.AMBIGUOUS,
                Status.UNMAPPED, Status.STALE, Status.EXCEPTED, Status.MATCHED)


@dataclass(frozen=True)
class Side:
    """One side of a check: which integration, which metrics (summed)."""

    integration_id: int
    integration: str
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class Check:
    """A rule: billed metric(s) of one source against usage metric(s) of another, per client.

    `ratio` is billed units expected per unit of usage (1 licence per device); `actual` is
    usage × ratio. A variance within `tolerance_units`, or within `tolerance_percent` of the
    billed quantity, whichever allows more, is matched.
    """

    id: int
    name: str
    billed: Side
    usage: Side
    seen_within_days: int | None = None
    ratio: Decimal = Decimal(1)
    tolerance_units: Decimal = ZERO
    tolerance_percent: Decimal = ZERO
    storage: StorageBilling | None = None  # usage in bytes, billed in a unit with its rounding and free part
    kind: str = QUANTITY  # COVERAGE: `billed` is the device side (--coverage), `usage` the agent side (--by)
    bought: Side | None = None  # a three-way licence check's distributor side (--bought), between the two

    @property
    def sides(self) -> tuple[tuple[str, Side], ...]:
        """("billed", …), ("usage", …) and, for a three-way check, ("bought", …)."""
        return (("billed", self.billed), ("usage", self.usage)) + ((("bought", self.bought),) if self.bought else ())

    def actual(self, usage: Decimal) -> Decimal:
        """Usage in billed units. With a ratio other than 1, rounded to cents of a unit, so three
        devices at "one per three" (0.3333) are one licence, not 0.9999."""
        if self.storage is not None:
            return self.storage.billable(usage)
        if self.ratio == 1:
            return usage
        return (usage * self.ratio).quantize(CENT, rounding=ROUND_HALF_UP)

    def allowance(self, billed: Decimal) -> Decimal:
        return max(self.tolerance_units, abs(billed) * self.tolerance_percent / HUNDRED)


@dataclass(frozen=True, slots=True)
class Reading:
    """What one account of one source reports for one side of a check, or one client's sum of them.

    `priced` is the part of `value` that came with a unit price, and `amount` its money, so
    several quantities combine into a quantity-weighted price. With `client_id`, the reading is
    already that client's, summed over its approved accounts (the database does it); without,
    it is one account's, and `evaluate` files it by the links.
    """

    account_id: str
    value: Decimal
    amount: Decimal = ZERO
    priced: Decimal = ZERO
    commitments: tuple[Commitment, ...] = ()  # a bought side's subscriptions with their terms
    client_id: int | None = None


@dataclass(frozen=True)
class Source:
    """How far a source can be trusted right now.

    A source whose last sync failed while its last good data is still within the freshness
    window is not stale: it keeps reporting from that data, and `failed_at` / `failure` say
    when the last attempt failed and how, in words ("vendor error 500"), for a warning above
    the report.
    """

    integration_id: int
    name: str
    kind: str
    as_of: datetime | None
    stale: bool
    reason: str = ""
    failed_at: datetime | None = None
    failure: str = ""
    # a disconnected source: when, and until when its last data still counts (then it is stale)
    disconnected_at: datetime | None = None
    good_until: datetime | None = None

    def failure_notice(self, now: datetime | None = None) -> str:
        """"ninja's last sync failed at 09:02 UTC (vendor error 500); figures as of yesterday 09:00 UTC",
        or "" when the last sync did not fail or the source is stale anyway (its results say so)."""
        if self.failed_at is None or self.stale:
            return ""
        how = f" ({self.failure})" if self.failure else ""
        return (f"{self.name}'s last sync failed at {_moment(self.failed_at, now)}{how}; "
                f"figures as of {_moment(self.as_of, now)}")


def _moment(moment: datetime | None, now: datetime | None) -> str:
    """A time of day, with "today" / "yesterday" or the date before it (UTC, as every as-of time is)."""
    if moment is None:
        return "never"
    moment = moment.astimezone(UTC)
    day = moment.date()
    today = now.astimezone(UTC).date() if now is not None else None
    if today is not None and day == today:
        return moment.strftime("%H:%M UTC")
    if today is not None and (today - day).days == 1:
        return moment.strftime("yesterday %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class CheckResult:
    client: str
    check: str
    billed: Decimal
    actual: Decimal
    status: Status
    unit_price: Decimal | None = None
    client_id: int | None = None
    check_id: int | None = None
    sources: tuple[str, ...] = ()
    note: str = ""
    device: str = ""  # a coverage gap's device or agent, as its console names it
    device_class: str = ""  # and its class, from its metric (server, workstation, core…)
    at_cost: bool = False  # `unit_price` is what the MSP pays a distributor, not a sale price
    unit: str = ""  # what billed and actual count in, where it is not plain units ("TB")
    # a three-way licence check's bought side: the quantity, its unit price (a distributor's, usually
    # the MSP's cost), how assigned compares with it, and when over-bought seats can be reduced
    bought: Decimal | None = None
    bought_price: Decimal | None = None
    bought_at_cost: bool = False
    buying: str = ""  # OVER_BOUGHT | BEYOND_BOUGHT | BOUGHT_MATCHED; "" without a bought side
    reducible: str = ""  # "annual term, reducible at renewal on 2027-03-14"
    renews_on: date | None = None  # the soonest renewal that would carry the unassigned seats
    review: str = ""  # its latest billing fix: "fix pending", "resolved" or "still open" (reconcile.review_state)
    used: Decimal | None = None  # a storage check's usage in `unit`, to hundredths (2.31 TB), before rounding

    @property
    def variance(self) -> Decimal:
        """Actual minus billed; positive means under-licensed."""
        return self.actual - self.billed

    @property
    def buying_variance(self) -> Decimal | None:
        """Assigned minus bought; negative: seats the MSP pays for that nobody uses. None without a bought side."""
        return None if self.bought is None else self.actual - self.bought

    @property
    def buying_impact(self) -> Decimal | None:
        """Monthly money of the buying variance at the bought side's price; unknown where bought and assigned
        were not compared (unmapped, stale, no tenant read)."""
        if self.bought is None or self.bought_price is None or not self.buying or self.status not in MONEY_STATUSES:
            return None
        return (self.actual - self.bought) * self.bought_price

    @property
    def impact(self) -> Decimal | None:
        """Monthly money at stake: variance × unit price; unknown for unmapped and stale results."""
        if self.unit_price is None or self.status not in MONEY_STATUSES:
            return None
        return self.variance * self.unit_price


@dataclass(frozen=True)
class Summary:
    """The summary cards: counts per status and the monthly money at stake."""

    counts: Mapping[Status, int] = field(default_factory=dict)
    under_money: Decimal = ZERO  # sale prices only: lost revenue
    over_money: Decimal = ZERO  # sale prices only, as an amount (never negative)
    under_at_cost: Decimal = ZERO  # money priced at a distributor's cost, never summed with the above
    over_at_cost: Decimal = ZERO
    # three-way licence checks: seats bought beyond those assigned, how many results and their monthly cost
    over_bought: int = 0
    over_bought_at_cost: Decimal = ZERO

    def count(self, status: Status) -> int:
        return self.counts.get(status, 0)

    @property
    def gaps(self) -> int:
        """Coverage gaps: devices with no security agent, agents on no managed device, ambiguous matches."""
        return sum(self.count(status) for status in GAP_STATUSES)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# how assigned seats compare with bought ones (`CheckResult.buying`)
OVER_BOUGHT = "over-bought"  # bought beyond assigned: the MSP's own cost leak
BEYOND_BOUGHT = "assigned beyond bought"  # seats from elsewhere, or a count not yet caught up
BOUGHT_MATCHED = "matched"
# a three-way result whose client has no reading on the assigned side (no tenant linked, or one that refused)
NOT_READ = "no assigned seats read for this client (its tenant is not linked or could not be read): bought not compared"
BUYING_MEANS = {OVER_BOUGHT: "seats the MSP pays for that nobody uses",
                BEYOND_BOUGHT: "assigned seats this source does not sell: bought elsewhere or not yet counted",
                BOUGHT_MATCHED: "bought as assigned"}


def classify(variance: Decimal, allowance: Decimal) -> Status:
    """Matched inside the allowance; otherwise under (positive) or over (negative)."""
    if abs(variance) <= allowance:
        return Status.MATCHED
    return Status.UNDER if variance > 0 else Status.OVER


PRICE_PLACES = Decimal("0.0001")


@dataclass(slots=True)
class _Tally:
    """One client's (or unlinked account's) side of a check, summed over its readings."""

    value: Decimal = ZERO
    amount: Decimal = ZERO
    priced: Decimal = ZERO
    commitments: list[Commitment] = field(default_factory=list)

    def add(self, reading: Reading) -> None:
        self.value += reading.value
        self.amount += reading.amount
        self.priced += reading.priced
        self.commitments.extend(reading.commitments)



def _unit_price(side: Reading | _Tally) -> Decimal | None:
    """A side's quantity-weighted unit price, to four places; None when none of it came priced."""
    return (side.amount / side.priced).quantize(PRICE_PLACES) if side.priced else None


_NOTHING = _Tally()


def evaluate(
    checks: Sequence[Check],
    *,
    clients: Mapping[int, str],
    links: Mapping[AccountKey, int],
    account_names: Mapping[AccountKey, str],
    readings: Mapping[tuple[int, str], Iterable[Reading]],
    sources: Mapping[int, Source],
    excepted: frozenset[tuple[int, int]] = frozenset(),
    failed: Mapping[int, str] | None = None,
    machines: Mapping[tuple[int, str], Iterable[Machine]] | None = None,
    at_cost: frozenset[int] = frozenset(),
    ignored: frozenset[AccountKey] = frozenset(),
    today: date | None = None,
) -> list[CheckResult]:
    """One result per client (or unlinked account) and check, in reading order.

    Args:
        checks: the tenant's checks.
        clients: client id → name.
        links: approved links only, (integration id, account id) → client id.
        account_names: what each source calls its accounts, for unmapped results.
        readings: (check id, "billed" | "usage") → readings of that side.
        sources: integration id → freshness.
        excepted: (client id, check id) pairs with an active exception.
        failed: check id → why its inputs could not be loaded; such a check is one `failed` result.
        machines: for coverage checks, (check id, "billed" | "usage") → the side's assets not retired.
        at_cost: integration ids whose unit prices are the MSP's cost (a distributor's), not a sale price.
        ignored: accounts a person set aside as no client; their readings count for nobody.
        today: the tenant's date, for when an over-bought seat can be reduced (default: today in UTC).
    """
    today = today or datetime.now(UTC).date()
    results: list[CheckResult] = []
    for check in checks:
        reason = (failed or {}).get(check.id)
        if reason is None:
            try:
                if check.kind == COVERAGE:
                    results.extend(_evaluate_coverage(check, clients, links, account_names, machines or {}, sources,
                                                      ignored))
                else:
                    results.extend(_evaluate_one(check, clients, links, account_names, readings, sources, excepted,
                                                 at_cost, ignored, today))
                continue
            except ArithmeticError as error:  # a ratio or tolerance stored before today's bounds
                reason = f"its numbers cannot be computed ({type(error).__name__}); correct or re-add the check"
        results.append(failure(check, reason))
    return order(results)


def failure(check: Check, reason: str) -> CheckResult:
    """The one result of a check that could not be evaluated: no client, no numbers, the reason."""
    return CheckResult(client="", check=check.name, billed=ZERO, actual=ZERO, status=Status.FAILED,
                       check_id=check.id, note=reason)


def _evaluate_one(
    check: Check,
    clients: Mapping[int, str],
    links: Mapping[AccountKey, int],
    account_names: Mapping[AccountKey, str],
    readings: Mapping[tuple[int, str], Iterable[Reading]],
    sources: Mapping[int, Source],
    excepted: frozenset[tuple[int, int]],
    at_cost: frozenset[int] = frozenset(),
    ignored: frozenset[AccountKey] = frozenset(),
    today: date | None = None,
) -> list[CheckResult]:
    tallies: dict[str, dict[int | AccountKey, Reading | _Tally]] = {name: {} for name, _ in check.sides}
    for side_name, side in check.sides:
        owners = tallies[side_name]
        for reading in readings.get((check.id, side_name), ()):
            owner: int | AccountKey
            if reading.client_id is not None:
                owner = reading.client_id
            else:
                key: AccountKey = (side.integration_id, reading.account_id)
                if key in ignored:
                    continue
                owner = links.get(key, key)
            found = owners.get(owner)
            # one reading per owner is the rule (the database sums them); a second one starts a tally
            if found is None:
                owners[owner] = reading
            elif isinstance(found, _Tally):
                found.add(reading)
            else:
                owners[owner] = tally = _Tally(found.value, found.amount, found.priced, list(found.commitments))
                tally.add(reading)

    _, _, stale_note, as_of = _trust(check, sources)
    stale = bool(stale_note)
    billed_prices = {owner: _unit_price(tally) for owner, tally in tallies["billed"].items()}
    fallback_price = _most_common_price(billed_prices.values())
    buying = _Buying(check, tallies.get("bought", {}), at_cost, today or datetime.now(UTC).date())
    billed_cost, usage_cost = check.billed.integration_id in at_cost, check.usage.integration_id in at_cost
    cost_note = f"{AT_COST}: {_cost_source(check, at_cost)}" if billed_cost or usage_cost else ""
    by_kind = ([kind for kind, cost in (("billed", billed_cost), ("usage", usage_cost), ("fallback", billed_cost))
                if not cost], [kind for kind, cost in (("billed", billed_cost), ("usage", usage_cost),
                                                       ("fallback", billed_cost)) if cost])

    def price_of(owner: int | AccountKey, usage: Reading | _Tally) -> tuple[Decimal | None, bool]:
        for is_cost, kinds in ((False, by_kind[0]), (True, by_kind[1])):
            for kind in kinds:
                if kind == "billed":
                    price = billed_prices.get(owner)
                elif kind == "usage":
                    price = _unit_price(usage)
                else:
                    price = fallback_price
                if price is not None:
                    return price, is_cost
        return None, False

    results = []
    append = results.append
    ratio_one, storage = check.ratio == 1 and check.storage is None, check.storage
    billed_side, usage_side = tallies["billed"], tallies["usage"]
    for owner in set().union(*(t.keys() for t in tallies.values())):
        billed, usage = billed_side.get(owner, _NOTHING), usage_side.get(owner, _NOTHING)
        actual = usage.value if ratio_one else check.actual(usage.value)
        unit, used = (storage.unit, storage.note(usage.value)) if storage else ("", "")
        price, priced_at_cost = price_of(owner, usage)
        stored = storage.used(usage.value) if storage else None
        if isinstance(owner, tuple):
            source = next((sources.get(side.integration_id) for _, side in check.sides
                           if side.integration_id == owner[0]), None)
            append(CheckResult(
                client=account_names.get(owner, owner[1]), check=check.name, billed=billed.value, actual=actual,
                status=Status.UNMAPPED, unit_price=price, check_id=check.id, sources=as_of,
                note=_joined(f"not linked to a client: {source.name if source else 'source'} account {owner[1]}; "
                             f"{LINK_IT}", used), at_cost=priced_at_cost, unit=unit, used=stored, **buying.counted(owner),
            ))
            continue
        status = classify(actual - billed.value, check.allowance(billed.value))
        note = ""
        if stale:
            status, note = Status.STALE, stale_note
        elif status in (Status.UNDER, Status.OVER) and (owner, check.id) in excepted:
            status, note = Status.EXCEPTED, "acknowledged exception"
        unread = check.bought is not None and not stale and owner not in usage_side
        if unread:  # no tenant read: never advise reducing seats whose use is unknown
            note = _joined(note, NOT_READ)
        # only money at stake is labelled in words; every result carries `at_cost`
        costed = cost_note if priced_at_cost and status in MONEY_AT_STAKE else ""
        append(CheckResult(
            client=clients.get(owner) or f"client {owner}", check=check.name, billed=billed.value, actual=actual,
            status=status, unit_price=price, client_id=owner, check_id=check.id, sources=as_of,
            note=_joined(note, costed, used) if note or costed or used else "", at_cost=priced_at_cost, unit=unit,
            used=stored, **buying.compared(owner, actual, trusted=status is not Status.STALE and not unread),
        ))
    return results


class _Buying:
    """A three-way check's bought side for each owner: the quantity, its price, and how assigned compares.

    The price is the owner's own quantity-weighted bought price, else the one most owners pay; it is a
    cost when the source declares its prices the MSP's (`at cost`). Nothing at all without a bought side.
    """

    def __init__(self, check: Check, tallies: Mapping[int | AccountKey, _Tally], at_cost: frozenset[int],
                 today: date) -> None:
        self.check, self.tallies, self.today = check, tallies, today
        self.prices = {owner: _unit_price(tally) for owner, tally in tallies.items()}
        self.fallback = _most_common_price(self.prices.values())
        self.at_cost = check.bought is not None and check.bought.integration_id in at_cost

    def counted(self, owner: int | AccountKey) -> dict[str, object]:
        """The bought quantity and its price, for a result that compares nothing (unmapped)."""
        if self.check.bought is None:
            return {}
        price = first_price(self.prices.get(owner), self.fallback)
        return {"bought": self.tallies.get(owner, _NOTHING).value, "bought_price": price,
                "bought_at_cost": self.at_cost and price is not None}

    def compared(self, owner: int | AccountKey, assigned: Decimal, *, trusted: bool) -> dict[str, object]:
        """`counted`, with how `assigned` compares with it and, when over-bought, when the seats can go."""
        found = self.counted(owner)
        if not found or not trusted:
            return found
        tally = self.tallies.get(owner, _NOTHING)
        over = tally.value - assigned
        if abs(over) <= self.check.allowance(tally.value):
            return {**found, "buying": BOUGHT_MATCHED}
        if over < 0:
            return {**found, "buying": BEYOND_BOUGHT}
        when = reducible(over, tally.commitments, self.today)
        return {**found, "buying": OVER_BOUGHT, "reducible": when.words, "renews_on": when.renews_on}


def _evaluate_coverage(
    check: Check,
    clients: Mapping[int, str],
    links: Mapping[AccountKey, int],
    account_names: Mapping[AccountKey, str],
    machines: Mapping[tuple[int, str], Iterable[Machine]],
    sources: Mapping[int, Source],
    ignored: frozenset[AccountKey] = frozenset(),
) -> list[CheckResult]:
    """Per client: one result per gap, or one `matched` result (billed = devices, actual = covered).

    An account no approved link ties to a client is one `unmapped` result (billed = its devices, actual =
    its agents): matching it would report every one of its machines as a gap of no one; an ignored account
    (no client) reports nothing. A stale source
    makes every client's result `stale`, with its counts and no gaps, as a quantity check does.
    """
    sides: dict[str, dict[int | AccountKey, list[Machine]]] = {"billed": defaultdict(list), "usage": defaultdict(list)}
    for side_name, side in (("billed", check.billed), ("usage", check.usage)):
        for machine in machines.get((check.id, side_name), ()):
            key: AccountKey = (side.integration_id, machine.account_id)
            if key not in ignored:  # an account set aside as no client: its machines are nobody's gaps
                sides[side_name][links.get(key, key)].append(machine)
    device_source, agent_source, stale_note, as_of = _trust(check, sources)
    stale = bool(stale_note)
    results = []
    for owner in sides["billed"].keys() | sides["usage"].keys():
        devices, agents = sides["billed"].get(owner, []), sides["usage"].get(owner, [])
        if isinstance(owner, tuple):
            source = device_source if owner[0] == check.billed.integration_id else agent_source
            results.append(CheckResult(
                client=account_names.get(owner, owner[1]), check=check.name, billed=Decimal(len(devices)),
                actual=Decimal(len(agents)), status=Status.UNMAPPED, check_id=check.id, sources=as_of,
                note=f"not linked to a client: {source.name if source else 'source'} account {owner[1]}"))
            continue
        client = clients.get(owner) or f"client {owner}"
        found = coverage.match(devices, agents)
        if stale or not found.gaps:
            status, note = (Status.STALE, stale_note) if stale else (Status.MATCHED, "every managed device protected")
            results.append(CheckResult(client=client, check=check.name, billed=Decimal(found.devices),
                                       actual=Decimal(found.covered), status=status, client_id=owner,
                                       check_id=check.id, sources=as_of, note=note))
            continue
        results.extend(CheckResult(client=client, check=check.name, billed=ZERO, actual=ZERO,
                                   status=GAP_STATUS[gap.kind], client_id=owner, check_id=check.id, sources=as_of,
                                   note=gap.describe(), device=gap.machine.name,
                                   device_class=gap.device_class) for gap in found.gaps)
    return results


GAP_STATUS = {coverage.UNPROTECTED: Status.UNPROTECTED, coverage.UNMANAGED: Status.UNMANAGED,
              coverage.AMBIGUOUS: Status.AMBIGUOUS}


def _trust(check: Check, sources: Mapping[int, Source]) -> tuple[Source | None, Source | None, str, tuple[str, ...]]:
    """A check's billed and usage sources, why it cannot be trusted now ("" when it can; a three-way
    check's bought source counts too) and each source's as-of."""
    every = [sources.get(side.integration_id) for _, side in check.sides]
    stale = [s for s in every if s is None or s.stale]
    note = ("; ".join(f"{s.name}: {s.reason}" for s in stale if s) or "source missing") if stale else ""
    return every[0], every[1], note, tuple(_as_of(s) for s in every if s is not None)


def _cost_source(check: Check, at_cost: frozenset[int]) -> str:
    side = check.billed if check.billed.integration_id in at_cost else check.usage
    return f"the unit price is {side.integration}'s price to the MSP, not a sale price"


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def first_price(*prices: Decimal | None) -> Decimal | None:
    """The first known price; a price of 0 (a bundled service) is known, not missing."""
    return next((p for p in prices if p is not None), None)


def _as_of(source: Source) -> str:
    when = source.as_of.strftime("%Y-%m-%d %H:%M UTC") if source.as_of else "never synced"
    return f"{source.name} {when}"


def _most_common_price(prices: Iterable[Decimal | None]) -> Decimal | None:
    counted = Counter(p for p in prices if p is not None)
    if not counted:
        return None
    # most common; ties go to the higher price, so a fallback never understates the money
    return max(counted.items(), key=lambda item: (item[1], item[0]))[0]


@dataclass(frozen=True)
class ClientTotals:
    """One client's monthly money at stake, summed over its checks (or one unlinked account's).

    `unbilled` and `overbilled` are amounts (never negative); `net` is unbilled − overbilled, so
    positive means more lost revenue than refunds owed, the sign of a variance and of `impact`.
    """

    client: str
    client_id: int | None
    status: Status  # the first of its results' statuses in `STATUS_ORDER`
    unbilled: Decimal = ZERO
    overbilled: Decimal = ZERO
    unbilled_at_cost: Decimal = ZERO  # priced at a distributor's cost: beside the totals, never in them
    overbilled_at_cost: Decimal = ZERO
    units_under: Decimal = ZERO  # for ordering clients whose variances have no price
    units_over: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.unbilled - self.overbilled


def owner_of(result: CheckResult) -> tuple[object, ...]:
    """Whose result this is: a client, an unlinked account (never the client sharing its name), or a failed check."""
    if result.status is Status.FAILED:
        return ("failed", result.check)
    if result.status is Status.UNMAPPED:
        return ("unmapped", result.client, result.note)
    return ("client", result.client_id, result.client)


def client_totals(results: Iterable[CheckResult]) -> dict[tuple[object, ...], ClientTotals]:
    """Per owner (see `owner_of`), in first-seen order: the money under and over, and the worst status."""
    return _totals(_by_owner(results))


def _by_owner(results: Iterable[CheckResult]) -> dict[tuple[object, ...], list[CheckResult]]:
    groups: dict[tuple[object, ...], list[CheckResult]] = {}
    for r in results:
        key = owner_of(r)
        found = groups.get(key)
        if found is None:
            groups[key] = [r]
        else:
            found.append(r)
    return groups


def _totals(groups: Mapping[tuple[object, ...], list[CheckResult]]) -> dict[tuple[object, ...], ClientTotals]:
    totals = {}
    for key, results in groups.items():
        worst = results[0].status
        # unbilled, overbilled, unbilled at cost, overbilled at cost, units under, units over
        sums = [ZERO, ZERO, ZERO, ZERO, ZERO, ZERO]
        for r in results:
            status = r.status
            if status is Status.UNDER or status is Status.OVER:
                impact = r.impact
                over = status is Status.OVER
                sums[over + 2 * r.at_cost] += abs(impact) if impact is not None else ZERO
                if over:
                    sums[5] -= r.variance
                else:
                    sums[4] += r.variance
            if RANK[status] < RANK[worst]:
                worst = status
        first = results[0]
        totals[key] = ClientTotals(first.client, first.client_id, worst, *sums)
    return totals


RANK = {status: i for i, status in enumerate(STATUS_ORDER)}


def order(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Grouped by client, clients ordered as a reader wants them; within a client, its worst first.

    Failed checks first (they are missing from every number), then clients with an under-licensed
    result by their total unbilled money, then those with only over-licensed ones by their total
    overbilled money, then unmapped accounts, stale, excepted and matched clients, by name.

    Sorted in two levels, owners by their totals' key computed once per owner, then each owner's
    few results: the same order as one sort of every result by (its owner's key, its own key), at a
    fraction of the per-result work.
    """
    groups = _by_owner(results)
    totals = _totals(groups)

    def owner_key(owner: tuple[object, ...]) -> tuple[object, ...]:
        t = totals[owner]
        return (RANK[t.status], -t.unbilled, -t.overbilled, -t.unbilled_at_cost, -t.overbilled_at_cost,
                -t.units_under, -t.units_over, t.client.casefold(), str(owner))

    def key(r: CheckResult) -> tuple[object, ...]:
        impact = r.impact
        variance = r.actual - r.billed
        return (RANK[r.status], -abs(impact) if impact is not None else ZERO, -abs(variance), r.check,
                r.device.casefold())

    ordered: list[CheckResult] = []
    for owner in sorted(groups, key=owner_key):
        mine = groups[owner]
        ordered.extend(sorted(mine, key=key) if len(mine) > 1 else mine)
    return ordered


def renewals_due(results: Iterable[CheckResult], today: date) -> list[CheckResult]:
    """Over-bought three-way results whose unassigned seats renew within `terms.RENEWALS_AHEAD` of `today`,
    soonest first: reduce them before the renewal, or they are paid for another term."""
    until = today + RENEWALS_AHEAD
    due = [r for r in results if r.buying == OVER_BOUGHT and r.renews_on is not None and today <= r.renews_on <= until]
    return sorted(due, key=lambda r: (r.renews_on, r.client.casefold(), r.check))


def summarise(results: Iterable[CheckResult]) -> Summary:
    counts: Counter[Status] = Counter()
    over_bought, over_bought_money = 0, ZERO
    money = {(Status.UNDER, False): ZERO, (Status.OVER, False): ZERO, (Status.UNDER, True): ZERO,
             (Status.OVER, True): ZERO}
    for result in results:
        counts[result.status] += 1
        if result.status in (Status.UNDER, Status.OVER) and result.impact is not None:
            money[result.status, result.at_cost] += abs(result.impact)
        if result.buying == OVER_BOUGHT:
            over_bought += 1
            over_bought_money += abs(result.buying_impact or ZERO)
    return Summary(counts=dict(counts), under_money=money[Status.UNDER, False], over_money=money[Status.OVER, False],
                   under_at_cost=money[Status.UNDER, True], over_at_cost=money[Status.OVER, True],
                   over_bought=over_bought, over_bought_at_cost=over_bought_money)
