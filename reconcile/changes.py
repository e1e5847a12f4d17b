"""Month over month: what changed between two snapshots' results, by client and check.

    found = changes(last_month, this_month)
    found.new_under      # under-licensed now, and were not before (or did not exist)
    found.resolved       # (before, now): under- or over-licensed before, matched now
    found.under_money    # (before, now) monthly money unbilled
    found.storage        # (before, now): a storage result whose usage moved ("2.1 TB" → "2.3 TB")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reconcile import checks
from reconcile.checks import CheckResult, Status


@dataclass(frozen=True)
class Changes:
    """What newly went under, what got fixed, and the money then and now."""

    new_under: tuple[CheckResult, ...]
    resolved: tuple[tuple[CheckResult, CheckResult], ...]  # (before, now)
    under_money: tuple[Decimal, Decimal]  # (before, now)
    over_money: tuple[Decimal, Decimal]
    # storage grows a little every month while its billed whole units stay put: the trend is the warning
    storage: tuple[tuple[CheckResult, CheckResult], ...] = ()


def changes(previous: Sequence[CheckResult], current: Sequence[CheckResult]) -> Changes:
    """Compare two snapshots' results by client and check."""
    before = {(r.client, r.check): r for r in previous}
    new_under = tuple(r for r in current if r.status is Status.UNDER and (
        (r.client, r.check) not in before or before[(r.client, r.check)].status is not Status.UNDER))
    now = {(r.client, r.check): r for r in current}
    resolved = tuple((old, now[key]) for key, old in before.items()
                     if old.status in (Status.UNDER, Status.OVER) and key in now and now[key].status is Status.MATCHED)
    storage = tuple((old, now[key]) for key, old in before.items()
                    if key in now and old.used is not None and now[key].used is not None
                    and old.unit == now[key].unit and old.used != now[key].used)
    old_summary, new_summary = checks.summarise(list(previous)), checks.summarise(list(current))
    return Changes(new_under, resolved, (old_summary.under_money, new_summary.under_money),
                   (old_summary.over_money, new_summary.over_money), storage)
