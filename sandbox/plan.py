"""The planted truth: which client gets which discrepancy on which demo check, decided before any
vendor record exists.

Most clients draw a status per check from a quota (about 25 % under, 15 % over, the rest
matched). A few clients play a fixed part so every rule the product follows is exercised:

    hard_branch    a second NinjaOne site under a name no matcher links ("Bluebird Log. - Denver")
    hard_sole      the client's only NinjaOne org has such a name
    zero_devices   billed for MW-01, no approved device at all (over)
    no_mw          devices but no MW-01 addition (under, priced by the most-common-price rule)
    m365_only      no NinjaOne org and no MW-01: absent from the device checks
    no_pax8        no Pax8 company: devices without security licences (under)
    no_pax8_m365   no Pax8 company but billed for M365 (over)
    m365_unbilled  Pax8 licences with no M365-BP addition (under, priced from Pax8)
    two_orgs       two NinjaOne orgs that both normalise to the client's name (they add up)
    two_mw         MW-01 on two agreements at 45.00 and 40.00 (a quantity-weighted price)
    discount_m365  M365-BP billed at 20.00 instead of 22.00
    two_m365_subs  a monthly and an annual Pax8 M365 subscription (they add up)

`world.py` turns each `Plan` into vendor records; `Plan.results` is the answer key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from sandbox import catalog
from sandbox.answers import Line, planted, unit_price, unmapped
from sandbox.model import MATCHED, OVER, UNDER, Expected
from sandbox.names import Name, hard_variant

A, B, C = catalog.WORKSTATIONS, catalog.DEVICES_VS_LICENSES, catalog.MICROSOFT_365
ROLES = ("hard_branch", "zero_devices", "no_mw", "m365_only", "no_pax8", "no_pax8_m365", "m365_unbilled",
         "two_orgs", "two_mw", "discount_m365", "two_m365_subs", "hard_sole")
SHARES = {UNDER: 0.25, OVER: 0.15}  # of each check's clients; the rest are matched
CW_JUNK = ("cancelled_agreement", "donotbill", "nocharge", "cancelled_addition", "future_addition")
PAX8_JUNK = ("sub_cancelled", "sub_trial", "sub_pending", "sub_pending_cancel", "sub_waiting")
MIN_CLIENTS = 20
LINKED = ""  # an org named by world.py with an easy variant of the client's name


@dataclass(frozen=True)
class Fleet:
    """The devices planted in one NinjaOne organisation, by what the checks make of them."""

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
    """A NinjaOne organisation: `name` is set only for a hard variant; linked orgs get easy variants."""

    name: str
    fleet: Fleet
    linked: bool = True


@dataclass(frozen=True)
class Plan:
    """Everything the generator decided about one client, and the results that follow."""

    name: Name
    role: str
    orgs: tuple[Org, ...]
    pax8: bool
    mw: tuple[Line, ...] = ()
    servers_billed: tuple[Line, ...] = ()
    m365_billed: tuple[Line, ...] = ()
    security: tuple[Line, ...] = ()
    m365_licensed: tuple[Line, ...] = ()
    junk: frozenset[str] = frozenset()
    results: tuple[Expected, ...] = ()


def plan_clients(rng: random.Random, names: list[Name], prices: dict[str, Decimal]) -> list[Plan]:
    """One plan per name; `prices` are the most-common prices the fallback rule uses."""
    if len(names) < MIN_CLIENTS:
        raise ValueError(f"the sandbox world needs at least {MIN_CLIENTS} clients, not {len(names)}")
    order = list(range(len(names)))
    rng.shuffle(order)
    roles = {index: role for index, role in zip(order, ROLES)}
    free = order[len(ROLES):]
    no_m365 = set(free[: len(names) * 15 // 100])
    junk = {index: set() for index in order}
    for kind in CW_JUNK + PAX8_JUNK + ("less_included", "future_cancel"):
        for index in rng.sample(free, 2):
            junk[index].add(kind)

    def in_check(check: str, index: int) -> bool:
        role = roles.get(index, "")
        if check in (A, B):
            return role != "m365_only"
        return index not in no_m365 and role != "no_pax8"

    forced = {
        A: {"hard_branch": OVER, "hard_sole": OVER, "zero_devices": OVER, "no_mw": UNDER},
        B: {"hard_branch": OVER, "hard_sole": OVER, "zero_devices": OVER, "no_pax8": UNDER, "no_pax8_m365": UNDER},
        C: {"m365_unbilled": UNDER, "no_pax8_m365": OVER},
    }
    statuses = {check: deal(rng, [i for i in order if in_check(check, i)],
                            {i: forced[check][r] for i, r in roles.items() if r in forced[check]})
                for check in (A, B, C)}
    return [
        _plan(rng, names[i], roles.get(i, ""), {c: s[i] for c, s in statuses.items() if i in s},
              frozenset(junk[i]), prices)
        for i in range(len(names))
    ]


def deal(rng: random.Random, clients: list[int], forced: dict[int, str]) -> dict[int, str]:
    """Statuses for one check: the forced ones, then under/over quotas, the rest matched."""
    dealt = dict(forced)
    free = [c for c in clients if c not in forced]
    rng.shuffle(free)
    for status, share in SHARES.items():
        want = round(len(clients) * share) - sum(1 for s in forced.values() if s == status)
        for client in free[:max(want, 0)]:
            dealt[client] = status
        free = free[max(want, 0):]
    dealt.update({client: MATCHED for client in free})
    return dealt


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


def _plan(rng: random.Random, name: Name, role: str, status: dict[str, str], junk: frozenset[str],
          prices: dict[str, Decimal]) -> Plan:
    client = name.canonical
    mw_price, security_price, m365_price = (catalog.MANAGED_WORKSTATION.price, catalog.SECURITY.price,
                                            catalog.M365_BILLED.price)
    results: list[Expected] = []
    orgs: tuple[Org, ...] = ()
    mw: tuple[Line, ...] = ()
    security: tuple[Line, ...] = ()

    # -- "Managed workstations" and "Devices vs licenses" ---------------------------------------
    if role == "zero_devices":
        billed = rng.randint(3, 6)
        orgs = (Org(LINKED, Fleet(mobile=1, pending=1)),)
        mw = (Line(billed, mw_price),)
        security = (Line(billed, security_price),)
        results += [planted(client, A, OVER, billed, 0, mw_price, "billed for workstations, no approved device"),
                    planted(client, B, OVER, billed, 0, security_price, "licences for devices that are not there")]
    elif role in ("hard_sole", "hard_branch"):
        hidden = fleet(rng, rng.randint(3, 8) if role == "hard_branch" else rng.randint(4, 20))
        home = fleet(rng, rng.randint(5, 25)) if role == "hard_branch" else Fleet()
        hard_name = hard_variant(rng, name, branch=role == "hard_branch")
        orgs = ((Org(LINKED, home),) if role == "hard_branch" else ()) + (Org(hard_name, hidden, False),)
        mw = (Line(home.fresh + hidden.fresh, mw_price),)
        security = (Line(home.machines + hidden.machines, security_price),)
        why = f"devices sit in {hard_name!r}, which no matcher links"
        results += [planted(client, A, OVER, home.fresh + hidden.fresh, home.fresh, mw_price, why),
                    planted(client, B, OVER, home.machines + hidden.machines, home.machines, security_price, why),
                    unmapped(hard_name, A, 0, hidden.fresh, prices[A], f"a NinjaOne org of {client}"),
                    unmapped(hard_name, B, 0, hidden.machines, prices[B], f"a NinjaOne org of {client}")]
    elif role != "m365_only":
        step = 2 if role == "two_mw" else 1
        fresh = rng.randint(2, 12) * step if step == 2 else rng.choice((rng.randint(3, 12), rng.randint(8, 35)))
        fleets = [fleet(rng, fresh)]
        if role == "two_orgs":
            fleets.append(fleet(rng, rng.randint(2, 6)))
        orgs = tuple(Org(LINKED, f) for f in fleets)
        active = sum(f.fresh for f in fleets)
        machines = sum(f.machines for f in fleets)
        if role == "no_mw":
            results.append(planted(client, A, UNDER, 0, active, prices[A], "devices but no MW-01 addition"))
        else:
            billed = spread(rng, status[A], active, step)
            mw = _workstation_lines(rng, billed, role, junk)
            results.append(planted(client, A, status[A], billed, active, unit_price(mw) or prices[A]))
        if role in ("no_pax8", "no_pax8_m365"):
            results.append(planted(client, B, UNDER, 0, machines, prices[B], "no Pax8 company: no security licences"))
        else:
            billed = spread(rng, status[B], machines)
            security = (Line(billed, security_price),)
            results.append(planted(client, B, status[B], billed, machines, security_price))

    # -- "Microsoft 365" --------------------------------------------------------------------------
    m365_billed: tuple[Line, ...] = ()
    m365_licensed: tuple[Line, ...] = ()
    users = rng.randint(5, 60)
    if role == "m365_unbilled":
        m365_licensed = (Line(users, m365_price),)
        results.append(planted(client, C, UNDER, 0, users, m365_price, "Pax8 licences, no M365-BP addition"))
    elif role == "no_pax8_m365":
        m365_billed = (Line(users, m365_price),)
        results.append(planted(client, C, OVER, users, 0, m365_price, "billed for M365 bought elsewhere"))
    elif C in status:
        billed = spread(rng, status[C], users)
        price = Decimal("20.00") if role == "discount_m365" else m365_price
        m365_billed = (Line(billed, price),)
        if role == "two_m365_subs":
            annual = rng.randint(1, users - 1)
            m365_licensed = (Line(users - annual, m365_price), Line(annual, m365_price, term="Annual"))
        else:
            m365_licensed = (Line(users, m365_price),)
        results.append(planted(client, C, status[C], billed, users, price))

    servers = sum(o.fleet.servers + o.fleet.guests for o in orgs)
    return Plan(
        name=name, role=role, orgs=orgs, pax8=role not in ("no_pax8", "no_pax8_m365"), mw=mw,
        servers_billed=(Line(servers, catalog.MANAGED_SERVER.price),) if servers else (),
        m365_billed=m365_billed, security=security, m365_licensed=m365_licensed, junk=junk,
        results=tuple(results),
    )


def _workstation_lines(rng: random.Random, billed: int, role: str, junk: frozenset[str]) -> tuple[Line, ...]:
    """MW-01 additions that bill `billed` units, written the ways a real PSA ends up with."""
    price = catalog.MANAGED_WORKSTATION.price
    if role == "two_mw":
        return (Line(billed // 2, price), Line(billed // 2, Decimal("40.00"), agreement="Remote Office"))
    if "less_included" in junk:
        return (Line(billed, price, less_included=rng.randint(2, 5)),)
    if "future_cancel" in junk and billed > 2:
        return (Line(billed - 2, price), Line(2, price, cancels_in_days=rng.randint(20, 60)))
    return (Line(billed, price),)
