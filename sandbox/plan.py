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

`client_plan.py` writes each client's numbers; `world.py` turns each `Plan` into vendor records;
`Plan.results` is the answer key.
"""

from __future__ import annotations

import random
from decimal import Decimal

from sandbox import catalog
from sandbox.client_plan import Plan, plan_client
from sandbox.model import MATCHED, OVER, UNDER
from sandbox.names import Name

A, B, C = catalog.WORKSTATIONS, catalog.DEVICES_VS_LICENSES, catalog.MICROSOFT_365
ROLES = ("hard_branch", "zero_devices", "no_mw", "m365_only", "no_pax8", "no_pax8_m365", "m365_unbilled",
         "two_orgs", "two_mw", "discount_m365", "two_m365_subs", "hard_sole")
SHARES = {UNDER: 0.25, OVER: 0.15}  # of each check's clients; the rest are matched
CW_JUNK = ("cancelled_agreement", "donotbill", "nocharge", "cancelled_addition", "future_addition")
PAX8_JUNK = ("sub_cancelled", "sub_trial", "sub_pending", "sub_pending_cancel", "sub_waiting")
MIN_CLIENTS = 20


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
        plan_client(rng, names[i], roles.get(i, ""), {c: s[i] for c, s in statuses.items() if i in s},
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
