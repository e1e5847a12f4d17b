"""Evidence: the devices and billing lines behind one client's numbers, and what was left out and why.

    found = services.evidence.of_client("local", "acme", "Managed workstations")
    [side.counted for side in (found[0].billed, found[0].usage)]

    Managed workstations — billed 20, counted 23
      billed by psa:   MW-01 "Managed Workstation" (Managed Services)   12 × 45.00
                       MW-01 "Managed Workstation" (Remote Office)       8 × 40.00
      counted in rmm:  ACME-WS01  workstation  last seen 2026-11-26 …    (23 devices)
      left out:        ACME-WS09  workstation  not seen within 30 days
                       ACME-PH01  mobile       class not in this check
                       BRANCH-02  workstation  account "Acme Denver" not linked to this client (link suggested)

A side's account that reports assets for the check's metrics is counted device by device (seen within
the check's window, as `reconciliation.side_readings` counts it); an account that reports none (a PSA's
billing lines, a distributor's licences) is counted line by line, each line with its label, quantity and
unit price. Left out, with the reason: assets last seen before the window, assets and lines of the same
kind the check does not count (another device class, a free SKU next to the paid one), and assets of
accounts whose link to this client is suggested or rejected rather than approved.

Decommissioned agents never reach storage (each connector drops them as it reads), so they cannot be
listed here; a device that disappears between two snapshots is named by the month's changes instead
(`reconcile.kept_assets`). Evidence is read from the current synced data, whichever report the person
was looking at: it says what the numbers are made of now, with each source's as-of time.

This module reads the stored rows itself, for one client at a time; it never re-runs the aggregation of
`reconcile.reconciliation`, which sums for every client at once in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from reconcile import coverage, naming, reconciliation
from reconcile.check_catalog import Checks
from reconcile.checks import COVERAGE, Check, Side
from reconcile.context import Context
from reconcile.errors import UserError
from reconcile.linking import Links
from reconcile.tables import AccountRow, AssetRow, Integration, Link, QuantityRow

ZERO = Decimal(0)
BILLED, USAGE = "billed", "usage"


@dataclass(frozen=True)
class Device:
    """One asset (device, endpoint, seat) as the evidence shows it; `left_out` says why it does not count."""

    name: str
    metric: str
    source: str  # the integration's name
    account: str  # the account it is filed under, as the source names it
    last_seen: datetime | None
    external_id: str = ""
    left_out: str = ""

    @property
    def device_class(self) -> str:
        """"workstation" for `devices:workstation`: the metric's word after its kind."""
        return self.metric.partition(":")[2] or self.metric


@dataclass(frozen=True)
class Line:
    """One quantity a source reports: a PSA billing line, a distributor's subscription, a tenant's SKU."""

    source: str
    account: str
    metric: str
    label: str
    quantity: Decimal
    unit_price: Decimal | None
    included: Decimal | None = None  # units the line includes free, where the source says
    left_out: str = ""


@dataclass(frozen=True)
class SideEvidence:
    """What one side of a check counts for one client."""

    side: str  # BILLED or USAGE
    source: str
    metrics: tuple[str, ...]
    lines: tuple[Line, ...] = ()
    counted: tuple[Device, ...] = ()
    left_out: tuple[Device, ...] = ()
    left_out_lines: tuple[Line, ...] = ()

    @property
    def total(self) -> Decimal:
        """What this side adds up to: its counted devices plus its counted lines."""
        return Decimal(len(self.counted)) + sum((line.quantity for line in self.lines), ZERO)


@dataclass(frozen=True)
class Evidence:
    """One check's evidence for one client: each side's lines and devices, and the check's counting rule."""

    client: str
    client_id: int
    check: str
    check_id: int
    billed: SideEvidence
    usage: SideEvidence
    seen_within_days: int | None = None
    coverage: bool = False
    actual: Decimal = ZERO  # the usage side in billed units (ratio, storage unit), as the check compares it
    unit: str = ""
    sources_as_of: dict[str, datetime | None] = field(default_factory=dict)

    @property
    def billed_total(self) -> Decimal:
        return self.billed.total


class EvidenceFinder:
    """Reads the evidence of one client (and optionally one check) from the current synced data."""

    def __init__(self, context: Context, checks: Checks, links: Links) -> None:
        self.context = context
        self.checks = checks
        self.links = links

    def of_client(self, tenant_id: str, client: str | int, check: str | None = None) -> list[Evidence]:
        """Every check's evidence for `client` (a name as people type it, or a client id), or one check's."""
        now = self.context.clock()
        check_list = self.checks.list(tenant_id)
        if check is not None:
            wanted = naming.pick(check, [c.name for c in check_list], what="check")
            check_list = [c for c in check_list if c.name == wanted]
        with self.context.sessions() as session:
            found_client = self.links.find_client(session, tenant_id, client)
            client_id, client_name = found_client.id, found_client.name
            integrations = {i.id: i for i in session.scalars(select(Integration).where(
                Integration.tenant_id == tenant_id))}
            links = session.execute(select(Link.integration_id, Link.account_id, Link.status, Link.account_name)
                                    .where(Link.tenant_id == tenant_id, Link.client_id == client_id)).all()
            found = []
            for one in check_list:
                try:
                    since = reconciliation.seen_since(one, now)
                except UserError:  # a check stored before today's bounds: its report says it failed
                    continue
                sides = {name: side_evidence(session, one, name, side, integrations.get(side.integration_id),
                                             links, since)
                         for name, side in ((BILLED, one.billed), (USAGE, one.usage))}
                usage = sides[USAGE].total
                actual = Decimal(len(sides[USAGE].counted)) if one.kind == COVERAGE else one.actual(usage)
                found.append(Evidence(
                    client_name, client_id, one.name, one.id, sides[BILLED], sides[USAGE], one.seen_within_days,
                    one.kind == COVERAGE, actual, one.storage.unit if one.storage else "",
                    {i.name: i.last_success_at for i in (integrations.get(one.billed.integration_id),
                                                         integrations.get(one.usage.integration_id)) if i}))
            return [e for e in found if e.billed.lines or e.billed.counted or e.usage.lines or e.usage.counted
                    or e.usage.left_out or e.billed.left_out or check is not None]


    def client_name(self, tenant_id: str, client: str | int) -> str:
        """The live client's name (`NotFound` when it is gone)."""
        with self.context.sessions() as session:
            return self.links.find_client(session, tenant_id, client).name


def wants(check: Check, side_name: str, metric: str) -> bool:
    """Whether this side of `check` counts `metric` (a coverage side names patterns such as `devices:*`)."""
    side = check.billed if side_name == BILLED else check.usage
    if check.kind == COVERAGE:
        return coverage.selects(side.metrics, metric, agentless_too=side_name == USAGE)
    return metric in side.metrics


def same_kind(side: Side, metric: str) -> bool:
    """A metric of the kind the side counts (`devices:mobile` beside `devices:workstation`): worth naming
    as left out. Other kinds (a PSA's other products) are simply not this check's business."""
    return metric.partition(":")[0] in {m.partition(":")[0] for m in side.metrics}


def side_evidence(session: Session, check: Check, side_name: str, side: Side, integration: Integration | None,
                  links: Sequence[tuple[int, str, str, str]], since: datetime | None) -> SideEvidence:
    """One side's lines and devices for one client, with what is left out and why."""
    source = integration.name if integration else side.integration
    run = integration.current_run_id if integration else None
    if run is None:
        return SideEvidence(side_name, source, side.metrics)
    accounts = {a: status for i, a, status, _ in links if i == side.integration_id}
    approved = [a for a, status in accounts.items() if status == "approved"]
    pending = {a: status for a, status in accounts.items() if status in ("suggested", "rejected")}
    names = dict(session.execute(select(AccountRow.external_id, AccountRow.name).where(
        AccountRow.sync_run_id == run, AccountRow.external_id.in_(list(accounts)))).all()) if accounts else {}
    counted: list[Device] = []
    left_out: list[Device] = []
    with_assets: set[str] = set()
    for row in _assets(session, run, list(accounts)):
        account_id, external_id, name, metric, last_seen = row
        device = Device(name, metric, source, names.get(account_id, account_id), last_seen, external_id)
        if account_id in pending:
            if wants(check, side_name, metric):
                left_out.append(_left(device, f"its account {names.get(account_id, account_id)!r} is not linked "
                                              f"to this client (link {pending[account_id]})"))
            continue
        if not wants(check, side_name, metric):
            if same_kind(side, metric) and check.kind != COVERAGE:
                left_out.append(_left(device, f"{device.device_class} is not counted by this check"))
            continue
        with_assets.add(account_id)
        if since is not None and last_seen is not None and last_seen < since:
            left_out.append(_left(device, f"not seen within {check.seen_within_days} days"))
        else:
            counted.append(device)
    lines: list[Line] = []
    left_lines: list[Line] = []
    for account_id, metric, label, value, price in _quantities(session, run, approved):
        if account_id in with_assets:
            continue  # counted device by device above; its quantity is the same count
        line = Line(source, names.get(account_id, account_id), metric, label, Decimal(value),
                    Decimal(price) if price is not None else None)
        if wants(check, side_name, metric):
            lines.append(line)
        elif side_name == USAGE and same_kind(side, metric) and check.kind != COVERAGE:
            left_lines.append(replace(line, left_out=f"{metric} is not counted by this check"))
    return SideEvidence(side_name, source, side.metrics, tuple(lines), tuple(sorted(counted, key=_by_name)),
                        tuple(sorted(left_out, key=lambda d: (d.left_out, _by_name(d)))), tuple(left_lines))


def _left(device: Device, why: str) -> Device:
    return replace(device, left_out=why)


def _by_name(device: Device) -> tuple[str, str]:
    return device.name.casefold(), device.external_id


def _assets(session: Session, run: int, accounts: Iterable[str]) -> list[tuple[str, str, str, str, datetime | None]]:
    accounts = list(accounts)
    if not accounts:
        return []
    query = select(AssetRow.account_id, AssetRow.external_id, AssetRow.name, AssetRow.metric, AssetRow.last_seen
                   ).where(AssetRow.sync_run_id == run, AssetRow.account_id.in_(accounts))
    return [tuple(row) for row in session.execute(query)]


def _quantities(session: Session, run: int, accounts: Iterable[str]) -> list[tuple[str, str, str, Decimal, Decimal]]:
    accounts = list(accounts)
    if not accounts:
        return []
    query = (select(QuantityRow.account_id, QuantityRow.metric, QuantityRow.label, QuantityRow.value,
                    QuantityRow.unit_price)
             .where(QuantityRow.sync_run_id == run, QuantityRow.account_id.in_(accounts))
             .order_by(QuantityRow.metric, QuantityRow.id))
    return [tuple(row) for row in session.execute(query)]
