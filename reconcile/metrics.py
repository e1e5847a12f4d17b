"""What a tenant can check: every metric its integrations have synced, in the vendor's own words.

    cw:billed:MW-01        Managed Workstation   54 accounts   612 units   $45.00
    ninja:devices:server   Approved servers …    31 accounts    77 units

A metric's human name is the connector's catalog entry for exactly that key (a device class),
else the one its source sent with the quantities (a PSA product's description, a distributor's
product name: a pattern such as `billed:*` cannot name them), else the pattern's words. A Microsoft
metric is named by its product, "Microsoft 365 Business Premium (assigned)" (`reconcile.products`),
and a SKU the tenant does not count (free, trial and viral ones by default: `reconcile.sku_choices`)
is left out, so no face offers it for a check. One
aggregate query per integration's current run: nothing here reads assets one by one.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz, process
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from reconcile import products, sku_choices
from reconcile.context import Context
from reconcile.integrations import Integrations
from reconcile.tables import Integration, QuantityRow

ZERO = Decimal(0)
SUGGESTIONS = 3
SUGGEST_ABOVE = 50  # rapidfuzz WRatio, 0-100: below this a "did you mean" misleads more than it helps


@dataclass(frozen=True)
class SyncedMetric:
    """One metric of one integration as its current data has it."""

    integration: str
    metric: str
    name: str  # the human name: product name, SKU name, device class
    accounts: int  # accounts reporting a quantity for it (each one a client's organisation in that source)
    units: Decimal
    unit_price: Decimal | None  # quantity-weighted, where the source prices it

    @property
    def side(self) -> str:
        """How a check names it: `cw:billed:MW-01`."""
        return f"{self.integration}:{self.metric}"


def catalog_name(catalog: dict[str, str], metric: str) -> str:
    """The connector's words for `metric`: its exact entry, else the pattern it falls under."""
    if metric in catalog:
        return catalog[metric]
    return next((text for pattern, text in catalog.items() if fnmatch.fnmatchcase(metric, pattern)), "")


def closest_keys(word: str, keys: list[str]) -> list[str]:
    """The keys nearest to a mistyped `word`, best first."""
    found = process.extract(word, keys, scorer=fuzz.WRatio, limit=SUGGESTIONS, score_cutoff=SUGGEST_ABOVE)
    return [key for key, _, _ in found]


class Metrics:
    def __init__(self, context: Context, integrations: Integrations) -> None:
        self.context = context
        self.integrations = integrations

    def synced(self, tenant_id: str, integration: str | None = None) -> list[SyncedMetric]:
        """Every metric the tenant's integrations (or the one named) have in their current data."""
        with self.context.sessions() as session:
            if integration is not None:
                rows = [self.integrations.require(session, tenant_id, integration)]
            else:
                rows = list(session.scalars(select(Integration).where(Integration.tenant_id == tenant_id)
                                            .order_by(Integration.name, Integration.id)))
            counting = sku_choices.counting(session, tenant_id)
            found: list[SyncedMetric] = []
            for row in rows:
                if row.current_run_id is not None:
                    found.extend(m for m in self._of_run(session, row) if counting.counts(row.kind, m.metric))
            return found

    def _of_run(self, session: Session, integration: Integration) -> list[SyncedMetric]:
        cls = self.context.registry.get(integration.kind)
        catalog = cls.metrics if cls else {}
        run = integration.current_run_id
        priced = case((QuantityRow.unit_price.is_not(None), QuantityRow.value), else_=0)
        totals = session.execute(
            select(QuantityRow.metric, func.count(func.distinct(QuantityRow.account_id)), func.sum(QuantityRow.value),
                   func.sum(priced * func.coalesce(QuantityRow.unit_price, 0)), func.sum(priced))
            .where(QuantityRow.sync_run_id == run).group_by(QuantityRow.metric).order_by(QuantityRow.metric)).all()
        labels: dict[str, Counter[str]] = {}
        for metric, label, count in session.execute(
                select(QuantityRow.metric, QuantityRow.label, func.count())
                .where(QuantityRow.sync_run_id == run, QuantityRow.label != "")
                .group_by(QuantityRow.metric, QuantityRow.label)):
            labels.setdefault(metric, Counter())[label] = count
        out = []
        for metric, accounts, units, amount, with_price in totals:
            # a product sold under two descriptions is named as most of its lines name it
            name = (catalog.get(metric) or products.describe(integration.kind, metric)
                    or (labels[metric].most_common(1)[0][0] if metric in labels else catalog_name(catalog, metric)))
            with_price = Decimal(with_price or 0)
            price = (Decimal(amount or 0) / with_price).quantize(Decimal("0.01")) if with_price else None
            out.append(SyncedMetric(integration.name, metric, name, int(accounts), Decimal(units or 0), price))
        return out

    def closest(self, tenant_id: str, integration: str, metric: str) -> list[SyncedMetric]:
        """The synced metrics of `integration` nearest to a mistyped `metric`, best first."""
        known = {m.metric: m for m in self.synced(tenant_id, integration)}
        return [known[key] for key in closest_keys(metric, list(known))]
