"""What a connector yields: accounts, quantities and assets, in the domain's words.

A sync is a stream of these three records; `reconcile/` stores them and never sees the vendor.

    Account(id="250", name="Acme Corporation")
    Quantity(account_id="250", metric="billed:MW-01", value=Decimal("12"), unit_price=Decimal("45"))
    Asset(account_id="1", metric="devices:workstation", id="101", name="FRONTDESK-01",
          last_seen=datetime(2026, 11, 20, tzinfo=UTC))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

Metric = str  # e.g. "devices:workstation", "licenses:MST-M365-BP", "billed:MW-01"


@dataclass(frozen=True)
class Account:
    """An organisation as a source names it (NinjaOne organisation, Pax8 company, PSA company)."""

    id: str
    name: str


@dataclass(frozen=True)
class Term:
    """A subscription's commitment as its source gives it; None where the source says nothing.

    Shared by every source of bought licences (Sherweb, Pax8, Partner Center), so a check can say when
    an over-bought subscription can be reduced: a monthly one now, an annual or triennial one (NCE) only
    at its renewal, outside the short cancellation window after purchase.
    """

    billing_cycle: str = ""  # how often it is invoiced: monthly, yearly (lower case, as the source means)
    commitment: str | None = None  # the term in the source's words: Monthly, Annual, Triennial, 1-Year…
    ends: date | None = None  # the last day of the commitment term
    renews: date | None = None  # the first day of the next term; None: it does not auto-renew (or unknown)

    def words(self) -> str:
        said = []
        if self.commitment:
            said.append(f"{self.commitment} term" + (f" to {self.ends.isoformat()}" if self.ends else "")
                        + (f", renews {self.renews.isoformat()}" if self.renews else ", does not renew"))
        if self.billing_cycle:
            said.append(f"billed {self.billing_cycle}")
        return " · ".join(said)


@dataclass(frozen=True)
class Quantity:
    """A number a source reports for an account under a metric, with a unit price where it has one.

    Several quantities for the same account and metric add up (two agreement additions of the
    same product, say); the unit price of the sum is the value-weighted mean.
    """

    account_id: str
    metric: Metric
    value: Decimal
    unit_price: Decimal | None = None
    label: str = ""
    term: Term | None = None  # a bought subscription's commitment, where the source gives one


@dataclass(frozen=True)
class Asset:
    """One device, endpoint or licensed user behind a quantity, for drill-down.

    `last_seen` lets a check count only what was seen within N days; a connector that knows
    nothing of freshness leaves it None and the asset always counts.
    """

    account_id: str
    metric: Metric
    id: str
    name: str
    last_seen: datetime | None = None


@dataclass(frozen=True)
class Unreadable:
    """An account the source lists but would not let us read (a Microsoft 365 tenant that withdrew
    consent): its readings are missing, the other accounts' stand, and the sync names it as a warning."""

    name: str
    reason: str


Record = Account | Quantity | Asset | Unreadable


def counted(assets: Iterable[Record]) -> Iterator[Record]:
    """Each asset as it comes, then one Quantity per account and metric counting them.

    The usage side of most vendors is a count of things (devices, endpoints, seats): a connector
    yields the things, and this adds the counts once the last page is in. Other records (an
    account met during the walk) pass through as they come and are counted as nothing.
    """
    counts: Counter[tuple[str, Metric]] = Counter()
    for asset in assets:
        if isinstance(asset, Asset):
            counts[asset.account_id, asset.metric] += 1
        yield asset
    for (account_id, metric), count in counts.items():
        yield Quantity(account_id=account_id, metric=metric, value=Decimal(count))
