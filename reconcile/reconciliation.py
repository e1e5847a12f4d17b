"""Reconciling now: load what `checks.evaluate` needs from the database, evaluate, and hand back a report.

This is the shell around the pure core: a few aggregate queries (one per check side, summed
per account in the database, so 250,000 assets never become Python objects), source
freshness, approved links and active exceptions; then `checks.evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from connectors.base import PriceBasis
from connectors.records import Term
from reconcile import checks, coverage, naming, review_state, sku_choices, tenants
from reconcile.checks import COVERAGE, Check, CheckResult, Reading, Source, Status, Summary
from reconcile.coverage import Machine
from reconcile.context import Context
from reconcile.founding import live_clients
from reconcile.integrations import failure_in_words
from reconcile.check_catalog import Checks, seen_within_bound
from reconcile.errors import UserError
from reconcile.terms import Commitment
from reconcile.tables import AccountRow, AssetRow, Client, Integration, Link, QuantityRow, VarianceException

ZERO = Decimal(0)


@dataclass(frozen=True)
class Report:
    """Results with the freshness of every source behind them."""

    results: list[CheckResult]
    sources: list[Source]
    generated_at: datetime
    client: str | None = None  # the one client a narrowed report is about, as the tenant names it

    @property
    def summary(self) -> Summary:
        return checks.summarise(self.results)


class Reconciler:
    def __init__(self, context: Context, checks: Checks) -> None:
        self.context = context
        self.checks = checks

    def run(self, tenant_id: str, client: str | None = None) -> Report:
        """Evaluate every check for every client now; `client` narrows the report to one client."""
        now = self.context.clock()
        check_list = self.checks.list(tenant_id)
        with self.context.sessions() as session:
            settings = tenants.settings_of(session, tenant_id)
            stale_after = timedelta(hours=settings.stale_after_hours) if settings.stale_after_hours else self.context.config.stale_after
            sources = load_sources(session, tenant_id, now, stale_after)
            runs = {s.integration_id: run for s, run in sources.values()}
            clients = dict(session.execute(select(Client.id, Client.name).where(live_clients(tenant_id))).all())
            links = approved_links(session, tenant_id)
            ignored = ignored_accounts(session, tenant_id)
            names = {(i, a): n for i, a, n in session.execute(
                select(AccountRow.integration_id, AccountRow.external_id, AccountRow.name)
                .where(AccountRow.tenant_id == tenant_id, AccountRow.sync_run_id.in_([r for r in runs.values() if r])))}
            counting = sku_choices.counting(session, tenant_id)
            kinds = {i: s.kind for i, (s, _) in sources.items()}
            readings: dict[tuple[int, str], list[Reading]] = {}
            loaded: dict[tuple[int | None, tuple[str, ...], datetime | None], list[Reading]] = {}
            failed: dict[int, str] = {}
            machines: dict[tuple[int, str], list[Machine]] = {}
            not_billable = review_state.exclusions(session, tenant_id)
            for check in check_list:
                try:
                    cutoff = seen_since(check, now)
                except UserError as error:  # stored before the bound existed: this check fails, the rest report
                    failed[check.id] = error.message
                    continue
                if check.kind == COVERAGE:
                    for side_name, side in (("billed", check.billed), ("usage", check.usage)):
                        machines[check.id, side_name] = side_machines(session, runs.get(side.integration_id),
                                                                      side.metrics, since=cutoff,
                                                                      devices=side_name == "billed")
                    continue
                for side_name, side in check.sides:
                    since = cutoff if side_name == "usage" else None
                    # a SKU the tenant does not count (free by default) is read by no check
                    metrics = tuple(m for m in side.metrics if counting.counts(kinds.get(side.integration_id, ""), m))
                    # checks often share a side (one PSA product against two sources): read it once
                    key = (runs.get(side.integration_id), metrics, since)
                    if key not in loaded:
                        loaded[key] = side_readings(session, key[0], metrics, seen_since=since)
                    readings[check.id, side_name] = loaded[key]
                    if side_name == "bought":  # its subscriptions' terms say when over-bought seats can go
                        readings[check.id, side_name] = with_commitments(session, key[0], metrics, loaded[key])
                if check.id in not_billable:  # this check's own exclusions, on a copy of the shared side
                    readings[check.id, "usage"] = review_state.without(
                        session, readings[check.id, "usage"], not_billable[check.id],
                        integration_id=check.usage.integration_id, run_id=runs.get(check.usage.integration_id),
                        metrics=check.usage.metrics, seen_since=cutoff)
            today = now.astimezone(settings.zone).date()
            excepted = active_exceptions(session, tenant_id, today)
            fixes = review_state.latest_fixes(session, tenant_id)
        results = checks.evaluate(check_list, clients=clients, links=links, account_names=names, readings=readings,
                                  sources={i: s for i, (s, _) in sources.items()}, excepted=excepted,
                                  failed=failed, at_cost=self.priced_at_cost(sources.values()), ignored=ignored,
                                  machines=machines, today=today)
        billed_sources = {c.id: sources.get(c.billed.integration_id, (None, None))[0] for c in check_list}
        results = review_state.annotate(results, fixes, billed_sources, today)
        name = None
        if client is not None:
            name, results = narrow(results, client, clients)
        used = {side.integration_id for c in check_list for _, side in c.sides}
        return Report(results, [s for i, (s, _) in sorted(sources.items()) if i in used], now, name)


    def priced_at_cost(self, sources: Iterable[tuple[Source, int | None]]) -> frozenset[int]:
        """The integrations whose connectors declare their prices to be the MSP's cost."""
        registry = self.context.registry
        return frozenset(s.integration_id for s, _ in sources
                         if s.kind in registry and registry[s.kind].price_basis is PriceBasis.COST)


def seen_since(check: Check, now: datetime) -> datetime | None:
    """The moment a device must have been seen since to count, under the check's "seen within" rule."""
    if not check.seen_within_days:
        return None
    return now - timedelta(days=seen_within_bound(check.seen_within_days))


def approved_links(session: Session, tenant_id: str) -> dict[tuple[int, str], int]:
    """(integration id, account id) → client id, for every approved link: which account counts for whom."""
    return {(i, a): c for i, a, c in session.execute(
        select(Link.integration_id, Link.account_id, Link.client_id)
        .where(Link.tenant_id == tenant_id, Link.status == "approved", Link.client_id.is_not(None)))}


def ignored_accounts(session: Session, tenant_id: str) -> frozenset[tuple[int, str]]:
    """Accounts a person set aside as no client: their readings count for nobody."""
    return frozenset((i, a) for i, a in session.execute(select(Link.integration_id, Link.account_id).where(
        Link.tenant_id == tenant_id, Link.status == "ignored")))


def load_sources(session: Session, tenant_id: str, now: datetime,
                 stale_after: timedelta) -> dict[int, tuple[Source, int | None]]:
    """Every integration's freshness and its current run."""
    out = {}
    for integration in session.scalars(select(Integration).where(Integration.tenant_id == tenant_id)):
        out[integration.id] = (freshness(integration, now, stale_after), integration.current_run_id)
    return out


def freshness(integration: Integration, now: datetime, stale_after: timedelta) -> Source:
    """Stale when never synced, when its data was purged, or when the last good sync is older than the window.

    A failed last sync alone is not stale: the last good data still reports, and the source
    carries when and how the last attempt failed, for one warning line above the report.
    A disconnected source keeps its synced data, which counts until it is too old like any other;
    the source says when it was disconnected and until when its data counts, so every report can.
    """
    as_of = integration.last_success_at
    reason = ""
    failed = bool(integration.last_error and integration.last_attempt_at and as_of
                  and integration.last_attempt_at >= as_of)
    disconnected = integration.disconnected_at if integration.status != "connected" else None
    if integration.status == "purged":
        reason = "its synced data was purged"
    elif integration.current_run_id is None or as_of is None:
        reason = "never synced successfully"
        if integration.last_error:
            reason += f"; last sync failed: {integration.last_error}"
    elif now - as_of > stale_after:
        hours = int((now - as_of).total_seconds() // 3600)
        reason = f"last good sync {hours} h ago" if hours < 72 else f"last good sync {hours // 24} days ago"
        if failed:
            reason += f"; last sync failed: {integration.last_error}"
    if disconnected is not None and reason:
        reason = f"disconnected, {reason}"
    return Source(integration.id, integration.name, integration.kind, as_of, bool(reason), reason,
                  failed_at=integration.last_attempt_at if failed else None,
                  failure=failure_in_words(integration.last_error_kind, integration.last_error) if failed else "",
                  disconnected_at=disconnected or (now if integration.status != "connected" else None),
                  good_until=as_of + stale_after if as_of is not None and integration.current_run_id else None)


def side_readings(session: Session, run_id: int | None, metrics: Iterable[str],
                  seen_since: datetime | None = None) -> list[Reading]:
    """Per account: summed value and priced amount.

    With `seen_since`, an account's value is the number of its assets seen since then. An account
    whose source reports no assets at all for these metrics (licences, billing lines) keeps its
    quantity: "seen within" cannot apply to what is never seen.
    """
    if run_id is None:
        return []
    metrics = list(metrics)
    priced = case((QuantityRow.unit_price.is_not(None), QuantityRow.value), else_=0)
    query = (select(QuantityRow.account_id, func.sum(QuantityRow.value),
                    func.sum(priced * func.coalesce(QuantityRow.unit_price, 0)), func.sum(priced))
             .where(QuantityRow.sync_run_id == run_id, QuantityRow.metric.in_(metrics))
             .group_by(QuantityRow.account_id))
    # Core execution: aggregate rows need no ORM identity handling (a large part of the cost)
    connection = session.connection()
    rows = {account: (Decimal(value or 0), Decimal(amount or 0), Decimal(with_price or 0))
            for account, value, amount, with_price in connection.execute(query)}
    if seen_since is None:
        return [Reading(account, value, amount, with_price) for account, (value, amount, with_price) in rows.items()]
    seen = case((or_(AssetRow.last_seen.is_(None), AssetRow.last_seen >= seen_since), 1), else_=0)
    fresh = {account: count for account, count in connection.execute(
        select(AssetRow.account_id, func.sum(seen))
        .where(AssetRow.sync_run_id == run_id, AssetRow.metric.in_(metrics))
        .group_by(AssetRow.account_id))}
    readings = []
    for account, (value, amount, with_price) in rows.items():
        if account not in fresh:
            readings.append(Reading(account, value, amount, with_price))
            continue
        count = Decimal(fresh[account] or 0)
        # the price applies per unit whatever the count; scale the priced part to the fresh count
        unit = (amount / with_price) if with_price else None
        readings.append(Reading(account, count, (unit * count) if unit is not None else ZERO,
                                count if unit is not None else ZERO))
    return readings


def with_commitments(session: Session, run_id: int | None, metrics: Iterable[str],
                     readings: list[Reading]) -> list[Reading]:
    """A bought side's readings, each with its account's subscriptions (quantity and term, where the source
    gave one), so an over-bought result can say when its seats can be reduced."""
    if run_id is None or not readings:
        return readings
    found: dict[str, list[Commitment]] = {}
    query = select(QuantityRow.account_id, QuantityRow.value, QuantityRow.term_billing_cycle,
                   QuantityRow.term_commitment, QuantityRow.term_ends, QuantityRow.term_renews).where(
        QuantityRow.sync_run_id == run_id, QuantityRow.metric.in_(list(metrics)))
    for account, value, cycle, commitment, ends, renews in session.connection().execute(query):
        term = Term(cycle or "", commitment, ends, renews) if (cycle or commitment or ends or renews) else None
        found.setdefault(account, []).append(Commitment(Decimal(value or 0), term))
    return [replace(r, commitments=tuple(found.get(r.account_id, ()))) for r in readings]


def side_machines(session: Session, run_id: int | None, patterns: Iterable[str], *, since: datetime | None,
                  devices: bool) -> list[Machine]:
    """A coverage side's assets that are not retired; a device side's wildcard skips agentless classes."""
    if run_id is None:
        return []
    patterns = tuple(patterns)
    connection = session.connection()
    synced = connection.execute(select(AssetRow.metric).where(AssetRow.sync_run_id == run_id).distinct()).scalars()
    metrics = [m for m in synced if coverage.selects(patterns, m, agentless_too=not devices)]
    if not metrics:
        return []
    query = select(AssetRow.account_id, AssetRow.name, AssetRow.metric, AssetRow.last_seen).where(
        AssetRow.sync_run_id == run_id, AssetRow.metric.in_(metrics))
    return coverage.recent((Machine(*row) for row in connection.execute(query)), since)


def active_exceptions(session: Session, tenant_id: str, today: date) -> frozenset[tuple[int, int]]:
    """(client, check) pairs with an exception in force on `today`, the tenant's own date."""
    rows = session.execute(select(VarianceException.client_id, VarianceException.check_id).where(
        VarianceException.tenant_id == tenant_id, VarianceException.revoked_at.is_(None),
        or_(VarianceException.until.is_(None), VarianceException.until >= today)))
    return frozenset((client_id, check_id) for client_id, check_id in rows)


def narrow(results: list[CheckResult], client: str, clients: dict[int, str]) -> tuple[str, list[CheckResult]]:
    """The name and results of one client, found by exact, normalised or partial name.

    A failed check stays in: it is missing from this client's numbers too.
    """
    named = {r.client for r in results if r.status is not Status.FAILED}
    name = naming.pick(client, named | set(clients.values()), what="client")
    return name, [r for r in results if r.client == name or r.status is Status.FAILED]
