"""What a vendor's quirk tests read from a sync: the records of a full sync against the sandbox, and
the summed value per (account, metric) that a user sees once the quantities are added up."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import connectors
import sandbox
from connectors.records import Quantity, Record
from tests.conftest import FAST_POLICY


def sync(server: sandbox.SandboxServer, kind: str) -> list[Record]:
    """Every record of one full sync of `kind` against the sandbox server, with the fake's credentials."""
    with connectors.REGISTRY[kind](server.settings(kind), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def values(records: list[Record]) -> dict[tuple[str, str], Decimal]:
    """Per (account, metric), the quantities' summed value (several quantities of one metric add up)."""
    summed: Counter[tuple[str, str]] = Counter()
    for r in records:
        if isinstance(r, Quantity):
            summed[r.account_id, r.metric] += r.value
    return dict(summed)
