"""One client's planted numbers: its RMM fleets, billing lines and licences, and the results they
promise on the three planted checks.

Numbers follow the status the cast (`cast.py`) dealt: `spread()` turns "under by a few" into a
billed count below the actual one, and `planted()` refuses numbers that say anything else. The
answer key itself is computed from the finished truth (`answers.py`); `build.py` checks it keeps
every promise made here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from sandbox.truth import catalog, checks
from sandbox.truth.answers import MATCHED, OVER, UNDER, UNMAPPED, Expected
from sandbox.truth.names import Name, hard_variant

A, B, C = checks.WORKSTATIONS, checks.DEVICES_VS_LICENSES, checks.MICROSOFT_365
LINKED = ""  # an account named by build.py with an easy variant of the client's name


@dataclass(frozen=True)
class Line:
    """One planted billing line or subscription: it bills `quantity` units (a PSA line with
    `less_included` carries `quantity + less_included` units)."""

    quantity: int
    price: Decimal
    less_included: int = 0
    cancels_in_days: int | None = None  # an end date ahead: still billing today
    term: str = "monthly"
    agreement: str = "Managed Services"


def unit_price(lines: tuple[Line, ...]) -> Decimal | None:
    """The quantity-weighted price of some lines, or None when there are none."""
    total = sum(line.quantity for line in lines)
    if not lines or not total:
        return None
    if len({line.price for line in lines}) == 1:
        return lines[0].price
    return sum(line.quantity * line.price for line in lines) / total


def planted(client: str, check: str, status: str, billed: int, actual: int, price: Decimal,
            note: str = "") -> Expected:
    """A linked client's promised result; raises when the numbers contradict the status."""
    variance = actual - billed
    meant = MATCHED if variance == 0 else UNDER if variance > 0 else OVER
    if meant != status:
        raise AssertionError(f"planted {status} for {client} / {check} but billed {billed}, actual {actual}")
    return Expected(client, check, Decimal(billed), Decimal(actual), status, price, Decimal(variance) * price, note)


def unmapped(account: str, check: str, billed: int, actual: int, price: Decimal | None, note: str = "") -> Expected:
    """An unlinked account's promised result: its own numbers on its side, 0 on the other."""
    return Expected(account, check, Decimal(billed), Decimal(actual), UNMAPPED, price, None, note)


@dataclass(frozen=True)
class Fleet:
    """The devices planted in one RMM account, by what the checks make of them."""

    fresh: int = 0  # approved workstations seen within the last 20 days
    stale: int = 0  # approved workstations last seen 60–200 days ago
    servers: int = 0  # approved servers and hypervisor hosts
    guests: int = 0  # approved virtual guests (counted as servers)
    mobile: int = 0
    network: int = 0
    other: int = 0
    pending: int = 0  # awaiting approval: never counted

    @property
    def machines(self) -> int:
        """What "Devices vs licenses" counts: every approved workstation and server."""
        return self.fresh + self.stale + self.servers + self.guests


@dataclass(frozen=True)
class Org:
    """An RMM account: `name` is set only for a hard variant; linked ones get easy variants."""

    name: str
    fleet: Fleet
    linked: bool = True


@dataclass(frozen=True)
class Plan:
    """Everything the generator decided about one client, and the results that follow."""

    name: Name
    role: str
    orgs: tuple[Org, ...]
    distributor: bool  # has an account at the distributor
    mw: tuple[Line, ...] = ()
    servers_billed: tuple[Line, ...] = ()
    m365_billed: tuple[Line, ...] = ()
    security: tuple[Line, ...] = ()
    m365_licensed: tuple[Line, ...] = ()
    junk: frozenset[str] = frozenset()
    results: tuple[Expected, ...] = ()


def fleet(rng: random.Random, fresh: int) -> Fleet:
    """A small business's devices around `fresh` active workstations."""
    return Fleet(
        fresh=fresh,
        stale=rng.choice((0, 0, 0, 1, 2, 3)),
        servers=rng.choice((0, 1, 1, 2, 3)),
        guests=rng.choice((0, 0, 1, 2, 3)),
        mobile=rng.choice((0, 0, 1, 2, 4)),
        network=rng.choice((0, 1, 2, 3)),
        other=rng.choice((0, 0, 0, 1)),
        pending=rng.choice((0, 0, 0, 1, 2)),
    )


def spread(rng: random.Random, status: str, actual: int, step: int = 1) -> int:
    """A billed count that puts `actual` in `status`: equal, a few below, or a few above."""
    if status == MATCHED:
        return actual
    if status == UNDER:
        return actual - step * rng.randint(1, max(1, min(4, (actual - step) // step)))
    return actual + step * rng.randint(1, 4)


def plan_client(rng: random.Random, name: Name, role: str, status: dict[str, str], junk: frozenset[str],
                prices: dict[str, Decimal]) -> Plan:
    """The plan for one client playing `role`, with a dealt status per check it takes part in."""
    devices = _device_checks(rng, name, role, status, junk, prices)
    m365 = _microsoft_365(rng, name.canonical, role, status)
    servers = sum(o.fleet.servers + o.fleet.guests for o in devices.orgs)
    return Plan(
        name=name, role=role, orgs=devices.orgs, distributor=role not in ("no_distributor", "m365_elsewhere"), mw=devices.mw,
        servers_billed=(Line(servers, catalog.MANAGED_SERVER.price),) if servers else (),
        m365_billed=m365.billed, security=devices.security, m365_licensed=m365.licensed, junk=junk,
        results=devices.results + m365.results,
    )


@dataclass(frozen=True)
class _Devices:
    orgs: tuple[Org, ...] = ()
    mw: tuple[Line, ...] = ()
    security: tuple[Line, ...] = ()
    results: tuple[Expected, ...] = ()


@dataclass(frozen=True)
class _Licences:
    billed: tuple[Line, ...] = ()
    licensed: tuple[Line, ...] = ()
    results: tuple[Expected, ...] = ()


def _device_checks(rng: random.Random, name: Name, role: str, status: dict[str, str], junk: frozenset[str],
                   prices: dict[str, Decimal]) -> _Devices:
    """RMM accounts, MW-01 lines and security licences, and the two device checks' results."""
    client = name.canonical
    mw_price, security_price = catalog.MANAGED_WORKSTATION.price, catalog.SECURITY.price
    security_cost = catalog.SECURITY.cost  # the distributor's price to the MSP prices check B ("at cost")
    if role == "m365_only":
        return _Devices()
    if role == "zero_devices":
        billed = rng.randint(3, 6)
        return _Devices(
            (Org(LINKED, Fleet(mobile=1, pending=1)),), (Line(billed, mw_price),), (Line(billed, security_price),),
            (planted(client, A, OVER, billed, 0, mw_price, "billed for workstations, no approved device"),
             planted(client, B, OVER, billed, 0, security_cost, "licences for devices that are not there")))
    if role in ("hard_sole", "hard_branch"):
        hidden = fleet(rng, rng.randint(3, 8) if role == "hard_branch" else rng.randint(4, 20))
        home = fleet(rng, rng.randint(5, 25)) if role == "hard_branch" else Fleet()
        hard_name = hard_variant(rng, name, branch=role == "hard_branch")
        why, whose = f"devices sit in {hard_name!r}, which no matcher links", f"an RMM account of {client}"
        workstations, machines = home.fresh + hidden.fresh, home.machines + hidden.machines
        return _Devices(
            ((Org(LINKED, home),) if role == "hard_branch" else ()) + (Org(hard_name, hidden, False),),
            (Line(workstations, mw_price),), (Line(machines, security_price),),
            (planted(client, A, OVER, workstations, home.fresh, mw_price, why),
             planted(client, B, OVER, machines, home.machines, security_cost, why),
             unmapped(hard_name, A, 0, hidden.fresh, prices[A], whose),
             unmapped(hard_name, B, 0, hidden.machines, prices[B], whose)))

    step = 2 if role == "two_mw" else 1  # two_mw splits MW-01 in halves, so its billed count is even
    fresh = rng.randint(2, 12) * step if step == 2 else rng.choice((rng.randint(3, 12), rng.randint(8, 35)))
    fleets = [fleet(rng, fresh)]
    if role == "two_rmm_accounts":
        fleets.append(fleet(rng, rng.randint(2, 6)))
    active, machines = sum(f.fresh for f in fleets), sum(f.machines for f in fleets)
    mw: tuple[Line, ...] = ()
    security: tuple[Line, ...] = ()
    if role == "no_mw":
        first = planted(client, A, UNDER, 0, active, prices[A], "devices but no MW-01 line")
    else:
        billed = spread(rng, status[A], active, step)
        mw = _workstation_lines(rng, billed, role, junk)
        first = planted(client, A, status[A], billed, active, unit_price(mw) or prices[A])
    if role in ("no_distributor", "m365_elsewhere"):
        second = planted(client, B, UNDER, 0, machines, prices[B], "no distributor account: no security licences")
    else:
        billed = spread(rng, status[B], machines)
        security = (Line(billed, security_price),)
        second = planted(client, B, status[B], billed, machines, security_cost)
    return _Devices(tuple(Org(LINKED, f) for f in fleets), mw, security, (first, second))


def _microsoft_365(rng: random.Random, client: str, role: str, status: dict[str, str]) -> _Licences:
    """M365-BP lines and M365 subscriptions, and the "Microsoft 365" result."""
    price = catalog.M365_BILLED.price
    users = rng.randint(5, 60)
    if role == "m365_unbilled":
        return _Licences((), (Line(users, price),),
                         (planted(client, C, UNDER, 0, users, price, "distributor licences, no M365-BP line"),))
    if role == "m365_elsewhere":
        return _Licences((Line(users, price),), (),
                         (planted(client, C, OVER, users, 0, price, "billed for M365 bought elsewhere"),))
    if C not in status:
        return _Licences()
    billed = spread(rng, status[C], users)
    billed_price = Decimal("20.00") if role == "discount_m365" else price
    if role == "two_m365_subs":
        annual = rng.randint(1, users - 1)
        licensed = (Line(users - annual, price), Line(annual, price, term="annual"))
    else:
        licensed = (Line(users, price),)
    return _Licences((Line(billed, billed_price),), licensed,
                     (planted(client, C, status[C], billed, users, billed_price),))


def _workstation_lines(rng: random.Random, billed: int, role: str, junk: frozenset[str]) -> tuple[Line, ...]:
    """MW-01 lines that bill `billed` units, written the ways a real PSA ends up with."""
    price = catalog.MANAGED_WORKSTATION.price
    if role == "two_mw":
        return (Line(billed // 2, price), Line(billed // 2, Decimal("40.00"), agreement="Remote Office"))
    if "less_included" in junk:
        return (Line(billed, price, less_included=rng.randint(2, 5)),)
    if "future_cancel" in junk and billed > 2:
        return (Line(billed - 2, price), Line(2, price, cancels_in_days=rng.randint(20, 60)))
    return (Line(billed, price),)
