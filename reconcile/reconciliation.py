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

from sqlalchemy import and_, case, func, literal, literal_column, or_, select, type_coerce, union
from sqlalchemy.types import NullType
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
            # only an unmapped result is named as its source names the account: the unlinked accounts' names
            linked = select(Link.id).where(Link.integration_id == AccountRow.integration_id,
                                           Link.account_id == AccountRow.external_id, Link.status == "approved",
                                           Link.client_id.is_not(None)).exists()
            names = {(i, a): n for i, a, n in session.execute(
                select(AccountRow.integration_id, AccountRow.external_id, AccountRow.name)
                .where(AccountRow.tenant_id == tenant_id, AccountRow.sync_run_id.in_([r for r in runs.values() if r]),
                       ~linked))}
            counting = sku_choices.counting(session, tenant_id)
            kinds = {i: s.kind for i, (s, _) in sources.items()}
            readings: dict[tuple[int, str], list[Reading]] = {}
            loaded: dict[tuple[int | None, tuple[str, ...], datetime | None, bool], list[Reading]] = {}
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
                    # a side whose accounts matter one by one (a bought side's terms, a check's not-billable
                    # assets) is read per account, filed by the links in `checks.evaluate`; any other per client
                    per_account = side_name == "bought" or (side_name == "usage" and check.id in not_billable)
                    # checks often share a side (one PSA product against two sources): read it once
                    key = (runs.get(side.integration_id), metrics, since, per_account)
                    if key not in loaded:
                        loaded[key] = side_readings(session, side.integration_id, key[0], metrics, seen_since=since,
                                                    by_client=not key[3])
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


def side_readings(session: Session, integration_id: int, run_id: int | None, metrics: Iterable[str],
                  seen_since: datetime | None = None, *, by_client: bool = True) -> list[Reading]:
    """One reading per client (summed over its approved accounts) and per account no approved link ties to one.

    The database does the sums: quantities (and, with `seen_since`, assets) joined to the approved links
    and grouped by client, so Python sees one row per owner, not one per account or asset. An unlinked
    account's reading carries only its account id; `checks.evaluate` files it as unmapped (or ignored).

    With `seen_since`, an account that reports assets for these metrics counts those seen since then
    (or never seen), at its quantities' unit price, even when it reports no quantity for them; one that
    reports no assets at all (licences, billing lines) keeps its quantity: "seen within" cannot apply
    to what is never seen.

    `by_client=False` keeps one reading per account (no client sums): for a side whose accounts are
    looked at one by one afterwards (a bought side's subscription terms, not-billable exclusions).
    """
    if run_id is None:
        return []
    metrics = list(metrics)
    quantities = (select(QuantityRow.account_id.label("account_id"),
                         func.sum(QuantityRow.value).label("value"),
                         func.sum(_PRICED * func.coalesce(QuantityRow.unit_price, 0)).label("amount"),
                         func.sum(_PRICED).label("priced"))
                  .where(QuantityRow.sync_run_id == run_id, QuantityRow.metric.in_(metrics))
                  .group_by(QuantityRow.account_id))
    if seen_since is None:
        per_account = quantities.subquery()
        sums = (func.sum(per_account.c.value), func.sum(per_account.c.amount), func.sum(per_account.c.priced),
                literal(None), literal(None), literal(None))
    else:
        q = quantities.subquery()
        seen = case((or_(AssetRow.last_seen.is_(None), AssetRow.last_seen >= seen_since), 1), else_=0)
        a = (select(AssetRow.account_id.label("account_id"), func.sum(seen).label("fresh"))
             .where(AssetRow.sync_run_id == run_id, AssetRow.metric.in_(metrics))
             .group_by(AssetRow.account_id)).subquery()
        ids = union(select(q.c.account_id), select(a.c.account_id)).subquery()
        per_account = (select(ids.c.account_id, q.c.value, q.c.amount, q.c.priced, a.c.fresh)
                       .select_from(ids.outerjoin(q, q.c.account_id == ids.c.account_id)
                                    .outerjoin(a, a.c.account_id == ids.c.account_id))).subquery()
        counted, unit_known = per_account.c.fresh.is_not(None), per_account.c.priced > 0
        # an account's price applies per unit whatever the count: its amount scales to the fresh count
        # (× 1.0 so SQLite divides in floating point rather than in integers, as PostgreSQL's numeric does)
        sums = (func.sum(case((counted, None), else_=per_account.c.value)),
                func.sum(case((counted, None), else_=per_account.c.amount)),
                func.sum(case((counted, None), else_=per_account.c.priced)),
                func.sum(per_account.c.fresh),
                func.sum(case((counted & unit_known, per_account.c.amount * literal_column("1.0") * per_account.c.fresh
                               / per_account.c.priced), else_=None)),
                func.sum(case((counted & unit_known, per_account.c.fresh), else_=None)))
    if by_client:
        account = case((Link.client_id.is_(None), per_account.c.account_id), else_=None)
        query = (select(Link.client_id, account, *(type_coerce(s, NullType()) for s in sums))
                 .select_from(per_account.outerjoin(Link, and_(
                     Link.integration_id == integration_id, Link.account_id == per_account.c.account_id,
                     Link.status == "approved", Link.client_id.is_not(None))))
                 .group_by(Link.client_id, account))
    else:
        query = (select(type_coerce(literal(None), NullType()), per_account.c.account_id,
                        *(type_coerce(s, NullType()) for s in sums))
                 .select_from(per_account).group_by(per_account.c.account_id))
    number = _Numbers()
    readings = []
    for client_id, account_id, value, amount, priced, fresh, fresh_amount, fresh_priced in session.connection().execute(query):
        # counts stay whole until here; the quantities' sums keep their column's four places
        if fresh is not None:
            value = number.count(fresh) if value is None else number.count(fresh) + number.amount(value)
            amount = number.amount(fresh_amount) + (number.amount(amount) if amount is not None else ZERO)
            priced = number.count(fresh_priced or 0) + (number.amount(priced) if priced is not None else ZERO)
        else:
            value, amount, priced = number.amount(value), number.amount(amount), number.amount(priced)
        readings.append(Reading(account_id or "", value, amount, priced, client_id=client_id))
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


_PRICED = case((QuantityRow.unit_price.is_not(None), QuantityRow.value), else_=0)


class _Numbers:
    """Decimals from the database's raw sums, each distinct one made once per reconcile (counts and
    quantities repeat a lot): SQLite hands back floats and ints, PostgreSQL numerics already Decimal."""

    def __init__(self) -> None:
        self._amounts: dict[object, Decimal] = {}
        self._counts: dict[int, Decimal] = {}

    def amount(self, raw: object) -> Decimal:
        if raw is None:
            return ZERO
        if type(raw) is Decimal:
            return raw
        found = self._amounts.get(raw)
        if found is None:  # as the column's own type reads it: four places
            found = self._amounts[raw] = Decimal(f"{raw:.4f}")
        return found

    def count(self, raw: object) -> Decimal:
        whole = int(raw)
        found = self._counts.get(whole)
        if found is None:
            found = self._counts[whole] = Decimal(whole)
        return found


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
