"""The review loop: what billing admins decided about each variance, and what came of it.

Three decisions, each audited in the same transaction as the change:

    acknowledge   an exception with a reason and an end date (`reconcile.variance_exceptions`)
    fix           "the next invoice corrects it, by DATE": fix pending → resolved, or still open
    not_billable  one usage account, or one asset of it, taken out of one check's actual, for good

`settle` runs after every sync and writes each pending fix's outcome (`reconcile.review_state.judge`);
`loop` is what the monthly digest reports: open items by age, fixes since the previous digest and
the money they recovered, acknowledgements ending this month, and fixes that did not arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reconcile import audit, review_state, tenants
from reconcile.audit import SCHEDULER, Actor
from reconcile.check_catalog import Checks
from reconcile.checks import COVERAGE, CheckResult, Status
from reconcile.context import Context
from reconcile.csvexport import quantity
from reconcile.errors import Conflict, Invalid, NotFound
from reconcile.linking import Links
from reconcile.reconciliation import Reconciler
from reconcile.review_state import PENDING, REOPENED, RESOLVED, WITHDRAWN
from reconcile.review_tables import BillingFix, NotBillable
from reconcile.tables import AssetRow, CheckRow, Client, Integration, Link, Snapshot, SnapshotRow
from reconcile.variance_exceptions import ExceptionInfo, Exceptions

OPEN = (Status.UNDER, Status.OVER)
CANDIDATES = 100  # what a picker lists at most; past it, one types part of a name


@dataclass(frozen=True)
class FixInfo:
    id: int
    client: str
    check: str
    billed_before: Decimal
    actual_before: Decimal
    expected_by: date
    state: str
    created_by: str
    created_at: datetime
    note: str = ""
    billed_after: Decimal | None = None
    recovered: Decimal | None = None
    settled_at: datetime | None = None

    @property
    def shown(self) -> str:
        return review_state.SHOWN.get(self.state, self.state)


@dataclass(frozen=True)
class ExclusionInfo:
    id: int
    client: str
    check: str
    integration: str
    account: str
    asset: str  # "" when the whole account is excluded
    reason: str
    created_by: str
    created_at: datetime
    active: bool

    @property
    def what(self) -> str:
        return f"{self.asset} ({self.integration} · {self.account})" if self.asset else \
            f"all of {self.integration} account {self.account}"


@dataclass(frozen=True)
class Candidate:
    """Something a person may declare not billable in a check: an asset, or a whole account."""

    key: str  # "CHECK_ID:asset:ASSET_ROW_ID" or "CHECK_ID:account:LINK_ID", short enough for a Slack option
    label: str


@dataclass(frozen=True)
class OpenItem:
    client: str
    check: str
    variance: Decimal
    impact: Decimal | None
    unit: str
    open_since: str  # the first period of its unbroken run of under/over snapshots


@dataclass(frozen=True)
class Loop:
    """What the digest says about the review loop for one period."""

    open_items: list[OpenItem]
    fixed: list[FixInfo]
    expiring: list[ExceptionInfo]  # acknowledgements whose last day is in this period
    reopened: list[FixInfo]
    pending: int

    @property
    def recovered(self) -> Decimal:
        return sum((f.recovered or Decimal(0) for f in self.fixed), Decimal(0))


class Reviews:
    def __init__(self, context: Context, links: Links, checks: Checks, exceptions: Exceptions,
                 reconciler: Reconciler) -> None:
        self.context = context
        self.links = links
        self.checks = checks
        self.exceptions = exceptions
        self.reconciler = reconciler

    # -- the decisions -------------------------------------------------------------------------

    def open_results(self, tenant_id: str, client: str | int) -> list[CheckResult]:
        """The client's under- and over-licensed results now: what its buttons decide about."""
        with self.context.sessions() as session:
            found = self.links.find_client(session, tenant_id, client)
            name = found.name
        return [r for r in self.reconciler.run(tenant_id, name).results if r.status in OPEN and r.client == name]

    def acknowledge(self, tenant_id: str, client: str | int, check: str | int, reason: str, actor: Actor,
                    until: date | None = None) -> ExceptionInfo:
        """An exception (`Exceptions.add`), on a client and check named or given by id."""
        with self.context.sessions() as session:
            client_name = self.links.find_client(session, tenant_id, client).name
            check_name = self._check(session, tenant_id, check).name
        return self.exceptions.add(tenant_id, client_name, check_name, reason, actor, until=until)

    def fix(self, tenant_id: str, client: str | int, check: str | int, expected_by: date, actor: Actor,
            note: str = "") -> FixInfo:
        """Record that billing is corrected by `expected_by`; refused for a result with nothing to fix."""
        with self.context.sessions() as session:
            found_client = self.links.find_client(session, tenant_id, client)
            found_check = self._check(session, tenant_id, check)
            today = self._today(session, tenant_id)
        if expected_by < today:
            raise Invalid(f"the invoice date {expected_by} is already past; give the day the corrected bill is due")
        result = self._result(tenant_id, found_client.name, found_check.id)
        with self.context.sessions.begin() as session:
            pending = session.scalars(select(BillingFix).where(
                BillingFix.tenant_id == tenant_id, BillingFix.client_id == found_client.id,
                BillingFix.check_id == found_check.id, BillingFix.state == PENDING)).first()
            if pending is not None:
                raise Conflict(f"{found_client.name} already has a billing fix pending on {found_check.name} "
                               f"(#{pending.id}, by {pending.expected_by}); withdraw it first "
                               f"(billrec review withdraw {pending.id})")
            row = BillingFix(tenant_id=tenant_id, client_id=found_client.id, check_id=found_check.id,
                             billed_before=result.billed, actual_before=result.actual, unit_price=result.unit_price,
                             expected_by=expected_by, note=note.strip()[:1000], created_by=actor.name,
                             created_via=actor.via, created_at=self.context.clock(), state=PENDING)
            session.add(row)
            session.flush()
            audit.record(session, tenant_id, actor, "review.fixed", f"{found_client.name} / {found_check.name}",
                         fix=row.id, expected_by=expected_by.isoformat(), billed=quantity(result.billed),
                         actual=quantity(result.actual))
            return self._fix_info(row, found_client.name, found_check.name)

    def withdraw(self, tenant_id: str, fix_id: int | str, actor: Actor) -> FixInfo:
        """Take back a billing fix recorded by mistake; the variance is reported as before."""
        with self.context.sessions.begin() as session:
            row = tenants.owned(session, BillingFix, fix_id, tenant_id, "billing fix")
            if row.state == RESOLVED:
                raise Conflict(f"billing fix #{row.id} is resolved: the bill changed; there is nothing to withdraw")
            row.state = WITHDRAWN
            client, check = session.get(Client, row.client_id), session.get(CheckRow, row.check_id)
            audit.record(session, tenant_id, actor, "review.withdraw", f"{client.name} / {check.name}", fix=row.id)
            return self._fix_info(row, client.name, check.name)

    def not_billable(self, tenant_id: str, client: str | int, check: str | int, reason: str, actor: Actor, *,
                     asset: str | None = None, account: str | None = None,
                     candidate: str | None = None) -> ExclusionInfo:
        """Take an asset (by name or id) or a whole account out of `check`'s actual for this client, for good.

        `candidate` is a `Candidate.key` (the Slack picker's choice); otherwise `asset` names the asset,
        or `account` the account (needed only when the client has several in the check's usage source).
        """
        reason = reason.strip()
        if not reason:
            raise Invalid("say why it is not billable, e.g. \"the MSP's own lab machine\"")
        with self.context.sessions.begin() as session:
            found_client = self.links.find_client(session, tenant_id, client)
            if candidate:
                check_id, kind, ref = _split_key(candidate)
                found_check = self._check(session, tenant_id, check_id)
            else:
                found_check = self._check(session, tenant_id, check)
            if found_check.kind == COVERAGE:
                raise Invalid(f"{found_check.name} is a coverage check: it has no actual to take usage out of")
            integration = session.get(Integration, found_check.usage_integration_id)
            links = self._usage_links(session, tenant_id, found_client.id, integration.id)
            if not links:
                raise NotFound(f"{found_client.name} has no approved {integration.name} account in "
                               f"{found_check.name}")
            if candidate:
                link, asset_row = self._from_key(session, kind, ref, links, integration, found_check)
            else:
                link, asset_row = self._from_names(session, links, integration, found_check, asset, account)
            asset_id = asset_row.external_id if asset_row is not None else None
            live = session.scalars(select(NotBillable).where(
                NotBillable.tenant_id == tenant_id, NotBillable.check_id == found_check.id,
                NotBillable.integration_id == integration.id, NotBillable.account_id == link.account_id,
                NotBillable.revoked_at.is_(None))).all()
            if any(x.asset_id is None or x.asset_id == asset_id for x in live):
                raise Conflict(f"that is already not billable in {found_check.name}")
            row = NotBillable(tenant_id=tenant_id, client_id=found_client.id, check_id=found_check.id,
                              integration_id=integration.id, account_id=link.account_id,
                              account_name=link.account_name, asset_id=asset_id,
                              asset_name=asset_row.name if asset_row is not None else "", reason=reason[:1000],
                              created_by=actor.name, created_at=self.context.clock())
            session.add(row)
            session.flush()
            info = self._exclusion_info(row, found_client.name, found_check.name, integration.name)
            audit.record(session, tenant_id, actor, "review.not_billable", f"{found_client.name} / {found_check.name}",
                         exclusion=row.id, what=info.what, reason=reason)
            return info

    def revoke_exclusion(self, tenant_id: str, exclusion_id: int | str, actor: Actor) -> ExclusionInfo:
        with self.context.sessions.begin() as session:
            row = tenants.owned(session, NotBillable, exclusion_id, tenant_id, "not-billable decision")
            row.revoked_at = row.revoked_at or self.context.clock()
            client, check = session.get(Client, row.client_id), session.get(CheckRow, row.check_id)
            info = self._exclusion_info(row, client.name, check.name, session.get(Integration, row.integration_id).name)
            audit.record(session, tenant_id, actor, "review.not_billable_revoke", f"{client.name} / {check.name}",
                         exclusion=row.id, what=info.what)
            return info

    def candidates(self, tenant_id: str, client: str | int, checks: list[int], typed: str = "") -> list[Candidate]:
        """What the Not billable picker offers for `checks`: each account, then each asset, by name.

        At most `CANDIDATES`; `typed` narrows them by a part of the name (the picker's search).
        """
        wanted = typed.strip().casefold()
        out: list[Candidate] = []
        with self.context.sessions() as session:
            found_client = self.links.find_client(session, tenant_id, client)
            for check_id in checks:
                check = self._check(session, tenant_id, check_id)
                integration = session.get(Integration, check.usage_integration_id)
                prefix = f"{check.name} · " if len(checks) > 1 else ""
                links = self._usage_links(session, tenant_id, found_client.id, integration.id)
                for link in links:
                    label = f"{prefix}all of {integration.name} account {link.account_name}"
                    if wanted in label.casefold():
                        out.append(Candidate(f"{check.id}:account:{link.id}", label))
                query = (select(AssetRow.id, AssetRow.name, AssetRow.metric)
                         .where(AssetRow.sync_run_id == integration.current_run_id,
                                AssetRow.metric.in_(list(check.usage_metrics)),
                                AssetRow.account_id.in_([link.account_id for link in links]))
                         .order_by(AssetRow.name))
                if wanted:
                    query = query.where(func.lower(AssetRow.name).contains(wanted))
                for asset_id, name, metric in session.execute(query.limit(CANDIDATES)):
                    out.append(Candidate(f"{check.id}:asset:{asset_id}", f"{prefix}{name} ({metric})"))
        return out[:CANDIDATES]

    # -- after a sync -------------------------------------------------------------------------

    def settle(self, tenant_id: str) -> list[FixInfo]:
        """Write the outcome of every pending (or re-opened) fix that has one now; returns those that changed."""
        with self.context.sessions() as session:
            waiting = session.scalar(select(func.count()).select_from(BillingFix).where(
                BillingFix.tenant_id == tenant_id, BillingFix.state.in_((PENDING, REOPENED))))
        if not waiting:
            return []
        report = self.reconciler.run(tenant_id)
        by_pair = {(r.client_id, r.check_id): r for r in report.results if r.client_id is not None}
        changed = []
        with self.context.sessions.begin() as session:
            today = self._today(session, tenant_id)
            as_of = {check.id: session.get(Integration, check.billed_integration_id).last_success_at
                     for check in session.scalars(select(CheckRow).where(CheckRow.tenant_id == tenant_id))}
            now = self.context.clock()
            for row in session.scalars(select(BillingFix).where(BillingFix.tenant_id == tenant_id,
                                                                BillingFix.state.in_((PENDING, REOPENED)))):
                result = by_pair.get((row.client_id, row.check_id))
                state = review_state.judge(row, result, as_of.get(row.check_id), today)
                if state == row.state:
                    continue
                row.state = state
                if state == RESOLVED:
                    row.resolved_at, row.billed_after = now, result.billed
                    row.recovered = review_state.recovered(row, result.billed)
                else:
                    row.reopened_at = now
                client, check = session.get(Client, row.client_id), session.get(CheckRow, row.check_id)
                audit.record(session, tenant_id, SCHEDULER, f"review.{state}", f"{client.name} / {check.name}",
                             fix=row.id, billed=quantity(result.billed) if result else None)
                changed.append(self._fix_info(row, client.name, check.name))
        return changed

    # -- reading ------------------------------------------------------------------------------

    def fixes(self, tenant_id: str, *, include_closed: bool = False) -> list[FixInfo]:
        with self.context.sessions() as session:
            query = (select(BillingFix, Client.name, CheckRow.name)
                     .join(Client, Client.id == BillingFix.client_id).join(CheckRow, CheckRow.id == BillingFix.check_id)
                     .where(BillingFix.tenant_id == tenant_id).order_by(BillingFix.id))
            if not include_closed:
                query = query.where(BillingFix.state.in_((PENDING, REOPENED)))
            return [self._fix_info(row, client, check) for row, client, check in session.execute(query)]

    def exclusions(self, tenant_id: str, *, include_revoked: bool = False) -> list[ExclusionInfo]:
        with self.context.sessions() as session:
            query = (select(NotBillable, Client.name, CheckRow.name, Integration.name)
                     .join(Client, Client.id == NotBillable.client_id)
                     .join(CheckRow, CheckRow.id == NotBillable.check_id)
                     .join(Integration, Integration.id == NotBillable.integration_id)
                     .where(NotBillable.tenant_id == tenant_id).order_by(NotBillable.id))
            if not include_revoked:
                query = query.where(NotBillable.revoked_at.is_(None))
            return [self._exclusion_info(row, client, check, integration)
                    for row, client, check, integration in session.execute(query)]

    def loop(self, tenant_id: str, snapshot_id: int, since: datetime | None) -> Loop:
        """The digest's review section for the snapshot's period; `since` is the previous digest's time."""
        with self.context.sessions() as session:
            snapshot = session.get(Snapshot, snapshot_id)
            period = snapshot.period
            open_items = self._open_items(session, tenant_id, snapshot)
        fixes = self.fixes(tenant_id, include_closed=True)
        fixed = [f for f in fixes if f.state == RESOLVED and f.settled_at and (since is None or f.settled_at > since)]
        reopened = [f for f in fixes if f.state == REOPENED and f.settled_at and (since is None or f.settled_at > since)]
        expiring = [e for e in self.exceptions.list(tenant_id)
                    if e.until is not None and e.until.strftime("%Y-%m") == period]
        pending = sum(1 for f in fixes if f.state == PENDING)
        return Loop(open_items, fixed, expiring, reopened, pending)

    def _open_items(self, session: Session, tenant_id: str, snapshot: Snapshot) -> list[OpenItem]:
        """Under/over results of the snapshot with no pending fix, each with the period its run began."""
        latest = dict(session.execute(select(Snapshot.period, func.max(Snapshot.id)).where(
            Snapshot.tenant_id == tenant_id, Snapshot.period < snapshot.period).group_by(Snapshot.period)).all())
        earlier = [latest[p] for p in sorted(latest, reverse=True)]  # newest first
        pending = {(f.client_id, f.check_id) for f in session.scalars(select(BillingFix).where(
            BillingFix.tenant_id == tenant_id, BillingFix.state == PENDING))}
        names = dict(session.execute(select(CheckRow.name, CheckRow.id).where(CheckRow.tenant_id == tenant_id)).all())
        rows = session.scalars(select(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot.id,
                                                         SnapshotRow.status.in_([s.value for s in OPEN]))
                               .order_by(SnapshotRow.position)).all()
        items = {(r.client_id, r.check_name): r for r in rows if (r.client_id, names.get(r.check_name)) not in pending}
        since = {key: snapshot.period for key in items}
        still = set(items)
        for snapshot_id in earlier:  # walk back while each item was open in the month before
            if not still:
                break
            period = session.scalar(select(Snapshot.period).where(Snapshot.id == snapshot_id))
            was_open = set(session.execute(select(SnapshotRow.client_id, SnapshotRow.check_name).where(
                SnapshotRow.snapshot_id == snapshot_id, SnapshotRow.status.in_([s.value for s in OPEN]))).all())
            still &= was_open
            for key in still:
                since[key] = period
        out = []
        for key, r in items.items():
            variance = Decimal(r.actual) - Decimal(r.billed)
            impact = variance * Decimal(r.unit_price) if r.unit_price is not None else None
            out.append(OpenItem(r.client_name, r.check_name, variance, impact, r.unit or "", since[key]))
        return out

    # -- helpers ----------------------------------------------------------------------------

    def _result(self, tenant_id: str, client: str, check_id: int) -> CheckResult:
        for result in self.reconciler.run(tenant_id, client).results:
            if result.client == client and result.check_id == check_id:
                if result.status not in OPEN:
                    raise Conflict(f"{client} is {result.status.label} on {result.check}: there is no variance "
                                   "for a billing fix to correct")
                return result
        raise NotFound(f"{client} has no result on that check")

    def _check(self, session: Session, tenant_id: str, check: str | int) -> CheckRow:
        if isinstance(check, int) or str(check).isdigit():
            row = session.get(CheckRow, int(check))
            if row is not None and row.tenant_id == tenant_id:
                return row
        return self.checks.require(session, tenant_id, str(check))

    def _usage_links(self, session: Session, tenant_id: str, client_id: int, integration_id: int) -> list[Link]:
        return list(session.scalars(select(Link).where(
            Link.tenant_id == tenant_id, Link.client_id == client_id, Link.integration_id == integration_id,
            Link.status == "approved").order_by(Link.account_name)))

    def _from_key(self, session: Session, kind: str, ref: int, links: list[Link], integration: Integration,
                  check: CheckRow) -> tuple[Link, AssetRow | None]:
        if kind == "account":
            link = next((link for link in links if link.id == ref), None)
            if link is None:
                raise NotFound("that account is no longer linked to this client; open the picker again")
            return link, None
        asset = session.get(AssetRow, ref)
        link = next((link for link in links if asset is not None and link.account_id == asset.account_id), None)
        if asset is None or link is None or asset.integration_id != integration.id or asset.metric not in check.usage_metrics:
            raise NotFound("that asset is not in this client's usage any more (a sync replaced it); "
                           "open the picker again")
        return link, asset

    def _from_names(self, session: Session, links: list[Link], integration: Integration, check: CheckRow,
                    asset: str | None, account: str | None) -> tuple[Link, AssetRow | None]:
        if account:
            wanted = account.strip().casefold()
            links = [link for link in links if wanted in (link.account_name.casefold(), link.account_id.casefold())]
            if not links:
                raise NotFound(f"no approved {integration.name} account named {account!r} for this client")
        if not asset:
            if len(links) > 1:
                raise Invalid("this client has several accounts in the check's usage source: say which with "
                              f"--account ({', '.join(link.account_name for link in links)})")
            return links[0], None
        wanted = asset.strip().casefold()
        rows = session.scalars(select(AssetRow).where(
            AssetRow.sync_run_id == integration.current_run_id, AssetRow.metric.in_(list(check.usage_metrics)),
            AssetRow.account_id.in_([link.account_id for link in links]))).all()
        found = [r for r in rows if wanted in (r.name.casefold(), r.external_id.casefold())]
        if not found:
            raise NotFound(f"no asset named {asset!r} counts in {check.name} for this client")
        if len({(r.account_id, r.external_id) for r in found}) > 1:
            raise Conflict(f"{len(found)} assets are named {asset!r}; give its id instead "
                           f"({', '.join(r.external_id for r in found[:5])})")
        return next(link for link in links if link.account_id == found[0].account_id), found[0]

    def _today(self, session: Session, tenant_id: str) -> date:
        return self.context.clock().astimezone(tenants.settings_of(session, tenant_id).zone).date()

    @staticmethod
    def _fix_info(row: BillingFix, client: str, check: str) -> FixInfo:
        settled = row.resolved_at if row.state == RESOLVED else row.reopened_at if row.state == REOPENED else None
        return FixInfo(row.id, client, check, Decimal(row.billed_before), Decimal(row.actual_before), row.expected_by,
                       row.state, row.created_by, row.created_at, row.note or "",
                       Decimal(row.billed_after) if row.billed_after is not None else None,
                       Decimal(row.recovered) if row.recovered is not None else None, settled)

    @staticmethod
    def _exclusion_info(row: NotBillable, client: str, check: str, integration: str) -> ExclusionInfo:
        return ExclusionInfo(row.id, client, check, integration, row.account_name or row.account_id,
                             row.asset_name or row.asset_id or "", row.reason, row.created_by, row.created_at,
                             row.revoked_at is None)


def _split_key(key: str) -> tuple[int, str, int]:
    """"12:asset:345" → (12, "asset", 345); anything else is refused."""
    parts = key.split(":")
    if len(parts) != 3 or parts[1] not in ("asset", "account") or not (parts[0].isdigit() and parts[2].isdigit()):
        raise Invalid("choose what is not billable from the list")
    return int(parts[0]), parts[1], int(parts[2])
