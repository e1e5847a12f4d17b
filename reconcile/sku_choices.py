"""Which Microsoft SKUs a tenant counts: free, trial and viral ones are excluded by default.

Where the filter sits, so every face agrees: `Counting.counts(kind, metric)` is asked by

- the metric catalogue (`reconcile.metrics.Metrics.synced`), so `billrec metrics`, `/billrec metrics`,
  the checks modal's metric choices and every "did you mean" leave an excluded SKU out;
- adding a check (`reconcile.check_catalog.Checks.add`), which refuses an excluded SKU and says how to
  include it;
- evaluating checks (`reconcile.reconciliation.Reconciler.run`), which reads no quantity of an excluded
  SKU, so a check added while a SKU counted stops counting it the moment it is excluded.

A metric that is no Microsoft product (`reconcile.products.product_of` is None) always counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from reconcile import audit, products, skus
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.errors import NotFound
from reconcile.tables import SkuChoice

FREE_DEFAULT = "free, trial or viral: excluded by default"


@dataclass(frozen=True)
class Counting:
    """A tenant's choices, ready to ask of any metric."""

    included: frozenset[str]  # part numbers, upper-cased
    excluded: frozenset[str]

    def counts_product(self, product: products.Product) -> bool:
        key = product.key.upper()
        if key in self.excluded:
            return False
        return key in self.included or not product.free

    def counts(self, kind: str, metric: str) -> bool:
        product = products.product_of(kind, metric)
        return product is None or self.counts_product(product)

    def why_not(self, kind: str, metric: str) -> str:
        """Why `metric` counts in no check, and how to change that ("" when it counts)."""
        product = products.product_of(kind, metric)
        if product is None or self.counts_product(product):
            return ""
        why = "an admin excluded it" if product.key.upper() in self.excluded else FREE_DEFAULT
        return (f"{metric} is {product.name} ({product.key}), which counts in no check ({why}); "
                f"`skus include {product.key}` counts it")


EVERYTHING = Counting(frozenset(), frozenset())


def counting(session: Session, tenant_id: str) -> Counting:
    rows = session.execute(select(SkuChoice.sku, SkuChoice.counted).where(SkuChoice.tenant_id == tenant_id)).all()
    return Counting(frozenset(s.upper() for s, counted in rows if counted),
                    frozenset(s.upper() for s, counted in rows if not counted))


@dataclass(frozen=True)
class Choice:
    """One SKU as a tenant counts it."""

    sku: skus.Sku
    counted: bool
    reason: str  # the default's reason, or who decided


class SkuChoices:
    def __init__(self, context: Context) -> None:
        self.context = context

    def listing(self, tenant_id: str, *, free_only: bool = False) -> list[Choice]:
        """Every SKU of Microsoft's table (or only the free, trial and viral ones), counted or not and why."""
        with self.context.sessions() as session:
            decided = {row.sku.upper(): row for row in
                       session.scalars(select(SkuChoice).where(SkuChoice.tenant_id == tenant_id))}
        out = []
        for sku in skus.load().skus:
            if free_only and not sku.free:
                continue
            row = decided.get(sku.part_number.upper())
            if row is not None:
                verb = "included" if row.counted else "excluded"
                out.append(Choice(sku, row.counted, f"{verb} by {row.decided_by} on {row.decided_at:%Y-%m-%d}"))
            else:
                out.append(Choice(sku, not sku.free, FREE_DEFAULT if sku.free else "counted"))
        return out

    def include(self, tenant_id: str, word: str, actor: Actor) -> Choice:
        """Count a SKU in checks (a free one an MSP does bill, say); audited."""
        return self._decide(tenant_id, word, actor, counted=True)

    def exclude(self, tenant_id: str, word: str, actor: Actor) -> Choice:
        """Count a SKU in no check; audited."""
        return self._decide(tenant_id, word, actor, counted=False)

    def counting(self, tenant_id: str) -> Counting:
        with self.context.sessions() as session:
            return counting(session, tenant_id)

    def _decide(self, tenant_id: str, word: str, actor: Actor, *, counted: bool) -> Choice:
        sku = find(word)
        with self.context.sessions.begin() as session:
            row = session.scalar(select(SkuChoice).where(SkuChoice.tenant_id == tenant_id,
                                                          SkuChoice.sku == sku.part_number))
            now = self.context.clock()
            if sku.free != counted:  # back to the default: no row says it best
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(SkuChoice(tenant_id=tenant_id, sku=sku.part_number, counted=counted,
                                      decided_by=actor.name, decided_at=now))
            else:
                row.counted, row.decided_by, row.decided_at = counted, actor.name, now
            audit.record(session, tenant_id, actor, "sku.include" if counted else "sku.exclude", sku.part_number,
                         name=sku.name)
        reason = (f"{'included' if counted else 'excluded'} by {actor.name} on {now:%Y-%m-%d}"
                  if sku.free == counted else (FREE_DEFAULT if sku.free else "counted"))
        return Choice(sku, counted, reason)


def find(word: str) -> skus.Sku:
    """The SKU a part number, skuId or exact display name names; NotFound offers the closest ones."""
    table = skus.load()
    found = table.find(word)
    if found is None:
        found = next((s for s in table.skus if s.name.lower() == skus.clean(word).lower()), None)
    if found is not None:
        return found
    # part numbers and names alike: "flowfree" finds FLOW_FREE, "business premium" finds SPB
    choices = {**{s.part_number: s.part_number for s in table.skus}, **{f"{s.part_number} ": s.name for s in table.skus}}
    near = dict.fromkeys(key.strip() for _, _, key in process.extract(
        word, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=6, score_cutoff=75))
    hint = (" — did you mean " + " or ".join(f"{key} ({table.find(key).name})" for key in list(near)[:3])  # type: ignore[union-attr]
            + "?") if near else "."
    raise NotFound(f"no Microsoft SKU {word!r} in the table{hint} `skus list` shows them; `skus refresh` "
                   "loads Microsoft's latest")
