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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from reconcile import coverage
from reconcile.coverage import Machine
from reconcile.storage_units import StorageBilling

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


@dataclass(frozen=True)
class Reading:
    """What one account of one source reports for one side of a check.

    `priced` is the part of `value` that came with a unit price, and `amount` its money, so
    several quantities combine into a quantity-weighted price.
    """

    account_id: str
    value: Decimal
    amount: Decimal = ZERO
    priced: Decimal = ZERO


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


@dataclass(frozen=True)
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
    used: Decimal | None = None  # a storage check's usage in `unit`, to hundredths (2.31 TB), before rounding

    @property
    def variance(self) -> Decimal:
        """Actual minus billed; positive means under-licensed."""
        return self.actual - self.billed

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

    def count(self, status: Status) -> int:
        return self.counts.get(status, 0)

    @property
    def gaps(self) -> int:
        """Coverage gaps: devices with no security agent, agents on no managed device, ambiguous matches."""
        return sum(self.count(status) for status in GAP_STATUSES)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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

    def add(self, reading: Reading) -> None:
        self.value += reading.value
        self.amount += reading.amount
        self.priced += reading.priced

    def unit_price(self) -> Decimal | None:
        return (self.amount / self.priced).quantize(PRICE_PLACES) if self.priced else None


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
    """
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
                                                 at_cost, ignored))
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
) -> list[CheckResult]:
    tallies: dict[str, dict[int | AccountKey, _Tally]] = {"billed": defaultdict(_Tally), "usage": defaultdict(_Tally)}
    for side_name, side in (("billed", check.billed), ("usage", check.usage)):
        for reading in readings.get((check.id, side_name), ()):
            key: AccountKey = (side.integration_id, reading.account_id)
            if key in ignored:
                continue
            tallies[side_name][links.get(key, key)].add(reading)

    billed_source, usage_source, stale_note, as_of = _trust(check, sources)
    stale = bool(stale_note)
    billed_prices = {owner: tally.unit_price() for owner, tally in tallies["billed"].items()}
    fallback_price = _most_common_price(billed_prices.values())

    results = []
    for owner in tallies["billed"].keys() | tallies["usage"].keys():
        billed, usage = tallies["billed"].get(owner, _NOTHING), tallies["usage"].get(owner, _NOTHING)
        actual = check.actual(usage.value)
        unit, used = (check.storage.unit, check.storage.note(usage.value)) if check.storage else ("", "")
        stored = check.storage.used(usage.value) if check.storage else None
        price, priced_at_cost = pick_price(((billed_prices.get(owner), check.billed.integration_id in at_cost),
                                            (usage.unit_price(), check.usage.integration_id in at_cost),
                                            (fallback_price, check.billed.integration_id in at_cost)))
        cost_note = f"{AT_COST}: {_cost_source(check, at_cost)}" if priced_at_cost else ""
        if isinstance(owner, tuple):
            source = billed_source if owner[0] == check.billed.integration_id else usage_source
            results.append(CheckResult(
                client=account_names.get(owner, owner[1]), check=check.name, billed=billed.value, actual=actual,
                status=Status.UNMAPPED, unit_price=price, check_id=check.id, sources=as_of,
                note=_joined(f"not linked to a client: {source.name if source else 'source'} account {owner[1]}; "
                             f"{LINK_IT}", used), at_cost=priced_at_cost, unit=unit, used=stored,
            ))
            continue
        status = classify(actual - billed.value, check.allowance(billed.value))
        note = ""
        if stale:
            status, note = Status.STALE, stale_note
        elif status in (Status.UNDER, Status.OVER) and (owner, check.id) in excepted:
            status, note = Status.EXCEPTED, "acknowledged exception"
        results.append(CheckResult(
            client=clients.get(owner) or f"client {owner}", check=check.name, billed=billed.value, actual=actual,
            status=status, unit_price=price, client_id=owner, check_id=check.id, sources=as_of,
            # only money at stake is labelled in words; every result carries `at_cost`
            note=_joined(note, cost_note if status in MONEY_AT_STAKE else "", used), at_cost=priced_at_cost, unit=unit,
            used=stored,
        ))
    return results


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
    """A check's two sources, why it cannot be trusted now ("" when it can) and each source's as-of."""
    first, second = sources.get(check.billed.integration_id), sources.get(check.usage.integration_id)
    stale = [s for s in (first, second) if s is None or s.stale]
    note = ("; ".join(f"{s.name}: {s.reason}" for s in stale if s) or "source missing") if stale else ""
    return first, second, note, tuple(_as_of(s) for s in (first, second) if s is not None)
def pick_price(candidates: Iterable[tuple[Decimal | None, bool]]) -> tuple[Decimal | None, bool]:
    """The first known sale price, else the first known cost; and whether it is a cost.

    `candidates` are (price, is a cost) in order of preference: the client's own billed price,
    its usage side's, then the price most clients are billed. A sale price anywhere in the list
    wins over a cost before it: a distributor's cost never prices a variance the PSA prices.
    """
    candidates = list(candidates)
    sale = first_price(*(p for p, cost in candidates if not cost))
    if sale is not None:
        return sale, False
    cost = first_price(*(p for p, cost in candidates if cost))
    return cost, cost is not None


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
    rank = {status: i for i, status in enumerate(STATUS_ORDER)}
    totals: dict[tuple[object, ...], ClientTotals] = {}
    for r in results:
        key = owner_of(r)
        found = totals.get(key) or ClientTotals(r.client, r.client_id, r.status)
        impact = abs(r.impact) if r.impact is not None else ZERO
        if r.status is Status.UNDER and r.at_cost:
            found = replace(found, unbilled_at_cost=found.unbilled_at_cost + impact,
                            units_under=found.units_under + r.variance)
        elif r.status is Status.UNDER:
            found = replace(found, unbilled=found.unbilled + impact, units_under=found.units_under + r.variance)
        elif r.status is Status.OVER and r.at_cost:
            found = replace(found, overbilled_at_cost=found.overbilled_at_cost + impact,
                            units_over=found.units_over - r.variance)
        elif r.status is Status.OVER:
            found = replace(found, overbilled=found.overbilled + impact, units_over=found.units_over - r.variance)
        if rank[r.status] < rank[found.status]:
            found = replace(found, status=r.status)
        totals[key] = found
    return totals


def order(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Grouped by client, clients ordered as a reader wants them; within a client, its worst first.

    Failed checks first (they are missing from every number), then clients with an under-licensed
    result by their total unbilled money, then those with only over-licensed ones by their total
    overbilled money, then unmapped accounts, stale, excepted and matched clients, by name.
    """
    results = list(results)
    rank = {status: i for i, status in enumerate(STATUS_ORDER)}
    totals = client_totals(results)

    def client_key(t: ClientTotals) -> tuple[object, ...]:
        return (rank[t.status], -t.unbilled, -t.overbilled, -t.unbilled_at_cost, -t.overbilled_at_cost,
                -t.units_under, -t.units_over, t.client.casefold())

    def key(r: CheckResult) -> tuple[object, ...]:
        owner = owner_of(r)
        money = abs(r.impact) if r.impact is not None else ZERO
        return (*client_key(totals[owner]), str(owner), rank[r.status], -money, -abs(r.variance), r.check,
                r.device.casefold())

    return sorted(results, key=key)


def summarise(results: Iterable[CheckResult]) -> Summary:
    counts: Counter[Status] = Counter()
    money = {(Status.UNDER, False): ZERO, (Status.OVER, False): ZERO, (Status.UNDER, True): ZERO,
             (Status.OVER, True): ZERO}
    for result in results:
        counts[result.status] += 1
        if result.status in (Status.UNDER, Status.OVER) and result.impact is not None:
            money[result.status, result.at_cost] += abs(result.impact)
    return Summary(counts=dict(counts), under_money=money[Status.UNDER, False], over_money=money[Status.OVER, False],
                   under_at_cost=money[Status.UNDER, True], over_at_cost=money[Status.OVER, True])
