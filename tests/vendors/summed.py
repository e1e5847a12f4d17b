"""What a sync's quantities add up to, per account and metric, for the vendors' own tests."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from connectors.records import Quantity, Record


def values(records: list[Record]) -> dict[tuple[str, str], Decimal]:
    """The summed value of every (account, metric) the records measure."""
    summed: Counter[tuple[str, str]] = Counter()
    for r in records:
        if isinstance(r, Quantity):
            summed[r.account_id, r.metric] += r.value
    return dict(summed)
