"""What the review loop's decisions do to a reconciliation: usage set aside, and fixes judged.

Two decisions change what a report says (the third, Acknowledge, is an exception):

* **Not billable** takes one usage account, or one asset of it, out of one check's actual. The
  granularity is the check, not the client: a lab machine that is not billable as a managed
  workstation may still need its security agent, so every other check keeps counting it.
  An asset is matched by the vendor's id across syncs; an excluded one that stops being
  synced simply stops mattering.
* **Billing fixed** is judged on every reconciliation by `judge`: *fix pending* until a sync
  of the billed source after the decision shows the billed quantity changed and the result
  matched (*resolved*), or *still open* once the day the admin gave has passed without it.
  `reconcile.reviews.Reviews.settle` writes those outcomes after each sync, so the digest can
  say what was fixed and what re-opened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from reconcile.checks import CheckResult, Reading, Source, Status
from reconcile.csvexport import quantity
from reconcile.review_tables import BillingFix, NotBillable
from reconcile.tables import AssetRow

PENDING, RESOLVED, REOPENED, WITHDRAWN = "pending", "resolved", "reopened", "withdrawn"
# what a result shows for each state of its latest fix
SHOWN = {PENDING: "fix pending", RESOLVED: "resolved", REOPENED: "still open"}
ZERO = Decimal(0)


@dataclass(frozen=True)
class Exclusions:
    """One check's usage set aside: whole accounts, and assets by account."""

    accounts: frozenset[tuple[int, str]] = frozenset()
    assets: Mapping[tuple[int, str], frozenset[str]] = field(default_factory=dict)


def exclusions(session: Session, tenant_id: str) -> dict[int, Exclusions]:
    """Check id → what is not billable in it (revoked decisions left out)."""
    accounts: dict[int, set[tuple[int, str]]] = defaultdict(set)
    assets: dict[int, dict[tuple[int, str], set[str]]] = defaultdict(lambda: defaultdict(set))
    rows = session.execute(select(NotBillable.check_id, NotBillable.integration_id, NotBillable.account_id,
                                  NotBillable.asset_id)
                           .where(NotBillable.tenant_id == tenant_id, NotBillable.revoked_at.is_(None)))
    for check_id, integration_id, account_id, asset_id in rows:
        if asset_id is None:
            accounts[check_id].add((integration_id, account_id))
        else:
            assets[check_id][integration_id, account_id].add(asset_id)
    return {check_id: Exclusions(frozenset(accounts.get(check_id, ())),
                                 {k: frozenset(v) for k, v in assets.get(check_id, {}).items()})
            for check_id in accounts.keys() | assets.keys()}


def without(session: Session, readings: Sequence[Reading], excluded: Exclusions, *, integration_id: int,
            run_id: int | None, metrics: Iterable[str], seen_since: datetime | None) -> list[Reading]:
    """`readings` of one usage side with the excluded accounts gone and the excluded assets not counted.

    An asset counts off only where it would have counted: in this run, under these metrics, seen
    within the check's window. The priced part shrinks with the count, at the same unit price.
    """
    wanted = {account: ids for (integration, account), ids in excluded.assets.items() if integration == integration_id}
    counted: dict[str, int] = {}
    if wanted and run_id is not None:
        query = (select(AssetRow.account_id, func.count())
                 .where(AssetRow.sync_run_id == run_id, AssetRow.metric.in_(list(metrics)),
                        AssetRow.account_id.in_(list(wanted)),
                        AssetRow.external_id.in_(sorted({i for ids in wanted.values() for i in ids})))
                 .group_by(AssetRow.account_id))
        if seen_since is not None:
            query = query.where(or_(AssetRow.last_seen.is_(None), AssetRow.last_seen >= seen_since))
        counted = {account: n for account, n in session.connection().execute(query)}
    out = []
    for reading in readings:
        if (integration_id, reading.account_id) in excluded.accounts:
            continue
        n = Decimal(counted.get(reading.account_id, 0))
        if n:
            unit = reading.amount / reading.priced if reading.priced else None
            priced = max(reading.priced - n, ZERO) if unit is not None else ZERO
            reading = Reading(reading.account_id, max(reading.value - n, ZERO),
                              unit * priced if unit is not None else ZERO, priced)
        out.append(reading)
    return out


def latest_fixes(session: Session, tenant_id: str) -> dict[tuple[int, int], BillingFix]:
    """(client id, check id) → its latest billing fix not withdrawn."""
    rows = session.scalars(select(BillingFix).where(BillingFix.tenant_id == tenant_id,
                                                    BillingFix.state != WITHDRAWN).order_by(BillingFix.id))
    return {(row.client_id, row.check_id): row for row in rows}


def judge(fix: BillingFix, result: CheckResult | None, billed_as_of: datetime | None, today: date) -> str:
    """The state a fix is in now; see the module docstring. A resolved fix stays resolved."""
    if fix.state == RESOLVED:
        return RESOLVED
    synced_since = billed_as_of is not None and billed_as_of > fix.created_at
    if (synced_since and result is not None and result.status is Status.MATCHED
            and result.billed != fix.billed_before):
        return RESOLVED
    return REOPENED if today > fix.expected_by else PENDING


def recovered(fix: BillingFix, billed_now: Decimal) -> Decimal | None:
    """Money per month the corrected bill recovers: the billed change at the fix's unit price.

    Positive for an under-billing fixed (revenue recovered) and for an over-billing fixed alike
    (a charge the client should not have paid, no longer taken): both are money put right.
    """
    if fix.unit_price is None:
        return None
    return abs(billed_now - Decimal(fix.billed_before)) * Decimal(fix.unit_price)


def shown(fix: BillingFix, state: str) -> str:
    """A result's note for its fix: "fix pending: billing fixed by U1, next invoice by 2026-12-31"."""
    if state == RESOLVED:
        return f"resolved: billing corrected (was billed {quantity(Decimal(fix.billed_before))})"
    promised = f"billing fix by {fix.created_by}, next invoice by {fix.expected_by.isoformat()}"
    if state == REOPENED:
        return f"still open: {promised} did not arrive"
    return f"fix pending: {promised}"


def annotate(results: Sequence[CheckResult], fixes: Mapping[tuple[int, int], BillingFix],
             billed_sources: Mapping[int, Source | None], today: date) -> list[CheckResult]:
    """Results with the state of their latest fix in `review` and the note.

    A resolved fix shows only while its result is still matched; once the client drifts again, the
    fix is history and the new variance is open like any other.
    """
    if not fixes:
        return list(results)
    out = []
    for r in results:
        fix = fixes.get((r.client_id, r.check_id)) if r.client_id is not None else None
        if fix is None or r.status not in (Status.UNDER, Status.OVER, Status.MATCHED, Status.EXCEPTED):
            out.append(r)
            continue
        source = billed_sources.get(r.check_id or 0)
        state = judge(fix, r, source.as_of if source else None, today)
        if state == RESOLVED and r.status is not Status.MATCHED:
            out.append(r)
            continue
        if state != RESOLVED and r.status is Status.MATCHED:  # matched without a new bill: nothing to flag
            out.append(r)
            continue
        out.append(replace(r, review=SHOWN[state], note="; ".join(n for n in (shown(fix, state), r.note) if n)))
    return out
