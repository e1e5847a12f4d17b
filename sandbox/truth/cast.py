"""The cast: which client gets which discrepancy on which planted check, decided before any record
of it exists.

Most clients draw a status per check from a quota (about 25 % under, 15 % over, the rest
matched). A few clients play a fixed part so every rule the product follows is exercised:

    hard_branch      a second site filed by the RMM under a name no matcher links ("Bluebird Log. - Denver")
    hard_sole        the client's only RMM account has such a name
    zero_devices     billed for MW-01, no approved device at all (over)
    no_mw            devices but no MW-01 line (under, priced by the most-common-price rule)
    m365_only        no RMM account and no MW-01: absent from the device checks
    no_distributor   no distributor account: devices without security licences (under)
    m365_elsewhere   no distributor account but billed for M365 (over)
    m365_unbilled    distributor licences with no M365-BP line (under, priced from the distributor)
    two_rmm_accounts two RMM accounts that both normalise to the client's name (they add up)
    two_mw           MW-01 on two agreements at 45.00 and 40.00 (a quantity-weighted price)
    discount_m365    M365-BP billed at 20.00 instead of 22.00
    two_m365_subs    a monthly and an annual M365 subscription (they add up)

`plan.py` writes each client's numbers and the results they promise; `build.py` turns each
`Plan` into the client's truth and checks that the answer key computed from it keeps the promise.
"""

from __future__ import annotations

import random
from decimal import Decimal

from sandbox.truth import checks
from sandbox.truth.answers import MATCHED, OVER, UNDER
from sandbox.truth.names import Name
from sandbox.truth.plan import Plan, plan_client

A, B, C = checks.WORKSTATIONS, checks.DEVICES_VS_LICENSES, checks.MICROSOFT_365
ROLES = ("hard_branch", "zero_devices", "no_mw", "m365_only", "no_distributor", "m365_elsewhere", "m365_unbilled",
         "two_rmm_accounts", "two_mw", "discount_m365", "two_m365_subs", "hard_sole")
SHARES = {UNDER: 0.25, OVER: 0.15}  # of each check's clients; the rest are matched
PSA_JUNK = ("cancelled_agreement", "donotbill", "nocharge", "cancelled_line", "future_line")
DISTRIBUTOR_JUNK = ("sub_cancelled", "sub_trial", "sub_pending", "sub_pending_cancel", "sub_waiting")
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
    for kind in PSA_JUNK + DISTRIBUTOR_JUNK + ("less_included", "future_cancel"):
        for index in rng.sample(free, 2):
            junk[index].add(kind)

    def in_check(check: str, index: int) -> bool:
        role = roles.get(index, "")
        if check in (A, B):
            return role != "m365_only"
        return index not in no_m365 and role != "no_distributor"

    forced = {
        A: {"hard_branch": OVER, "hard_sole": OVER, "zero_devices": OVER, "no_mw": UNDER},
        B: {"hard_branch": OVER, "hard_sole": OVER, "zero_devices": OVER, "no_distributor": UNDER, "m365_elsewhere": UNDER},
        C: {"m365_unbilled": UNDER, "m365_elsewhere": OVER},
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
