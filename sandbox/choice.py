"""Which fake vendor plays each role in a demo, and the demo's checks in those vendors' metric keys.

    choice = choose({"psa": "connectwise", "rmm": "ninjaone"})   # a vendor per role, by kind
    demo_checks(choice)                       # [{"name": …, "billed": {"integration": "connectwise", …}}, …]

The checks are the truth's (`truth/checks.py`) whose roles all have a vendor; each side's neutral
metrics become the chosen vendor's connector metrics (`FakeVendor.metric`). A vendor that plays a
new role makes that role choosable without a change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.truth import checks
from sandbox.truth.checks import CheckSpec, Side
from sandbox.truth.measures import NEUTRAL
from sandbox.truth.model import Role
from sandbox.vendor import FakeVendor
from sandbox.vendors import VENDORS

Choice = dict[Role, FakeVendor]


def kinds_for(role: Role) -> list[str]:
    """The kinds of every fake vendor that plays `role`."""
    return sorted(kind for kind, vendor in VENDORS.items() if role in vendor.roles)


def choose(picked: Mapping[str, str]) -> Choice:
    """The fake vendor per role named in `picked` (role → kind); a role not named has none."""
    chosen: Choice = {}
    for name, kind in picked.items():
        role = Role(name)
        if kind not in kinds_for(role):
            raise ValueError(f"{kind!r} is no {role.value}; the sandbox's {role.value} vendors are "
                             f"{', '.join(kinds_for(role)) or 'none yet'}")
        chosen[role] = VENDORS[kind]
    return chosen


def specs(choice: Mapping[Role, FakeVendor]) -> tuple[CheckSpec, ...]:
    """The truth's checks the chosen roles can answer: each side's vendor reports at least one of its
    readings (a backup vendor that reports no storage has no storage check). A vendor reporting only
    some of a side's readings still raises, in `connector_metrics`."""
    return tuple(spec for spec in checks.for_roles(set(choice))
                 if all(any(choice[side.role].metric(n) is not None for n in side.metrics) for side in spec.sides))


def connector_metrics(vendor: FakeVendor, side: Side) -> list[str]:
    """A side's neutral metrics as `vendor`'s connector metric keys, in order, each once.

    Raises when the vendor cannot serve the side: a neutral metric it does not report, or a connector
    metric that also counts neutral metrics the side leaves out (laptops and desktops under one key).
    """
    found: list[str] = []
    for neutral in side.metrics:
        metric = vendor.metric(neutral)
        if metric is None:
            raise ValueError(f"{vendor.kind} reports no {neutral}")
        wider = {n for n in NEUTRAL[side.role] if vendor.metric(n) == metric} - set(side.metrics)
        if wider:
            raise ValueError(f"{vendor.kind} counts {', '.join(sorted(wider))} under {metric} too")
        if metric not in found:
            found.append(metric)
    return found


def demo_checks(choice: Mapping[Role, FakeVendor]) -> list[dict[str, Any]]:
    """The demo's checks as plain data, in the shape the demo command adds them from."""
    return [{
        "name": spec.name,
        "billed": {"integration": choice[spec.billed.role].kind,
                   "metrics": connector_metrics(choice[spec.billed.role], spec.billed)},
        "usage": {"integration": choice[spec.usage.role].kind,
                  "metrics": connector_metrics(choice[spec.usage.role], spec.usage)},
        "seen_within_days": spec.seen_within_days,
        "ratio": str(spec.ratio), "tolerance_units": str(spec.tolerance_units),
        "tolerance_percent": str(spec.tolerance_percent),
        **({"unit": spec.unit, "rounding": spec.rounding, "included": str(spec.included)} if spec.unit else {}),
        **({"kind": spec.kind} if spec.kind != checks.QUANTITY else {}),  # a coverage check says so
        **({"bought": {"integration": choice[spec.bought.role].kind,  # a three-way licence check's third side
                       "metrics": connector_metrics(choice[spec.bought.role], spec.bought)}} if spec.bought else {}),
    } for spec in specs(choice)]
