"""Managing a tenant's checks: add, list, remove, each validated against the connectors' catalogs.

A new check's metrics must also be in its integrations' synced data: a typo (`billed:MW01`) would
otherwise make every client look unbilled. A metric no data has yet is refused with the closest
real ones ("did you mean psa:billed:MW-01 (Managed Workstation)?") unless the user says, with
--allow-unsynced, that it is a product not yet billed anywhere. A check comparing an integration
with itself, or putting a billing-only source (a PSA) on the usage side, is refused with why.

A coverage check (`add_coverage`) names a device side and an agent side, each an integration and
metric patterns (`devices:*`); each pattern must match its connector's catalog, and both sides must be
usage sources (devices and agents are assets, which billing sources do not have).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Role
from reconcile import audit, naming, sku_choices
from reconcile.bounds import PLACES, SEEN_WITHIN_DAYS, amount, whole
from reconcile.audit import Actor
from reconcile.checks import COVERAGE, QUANTITY, Check, Side
from reconcile.context import Context
from reconcile.errors import Conflict, Invalid, NotFound
from reconcile.integrations import Integrations
from reconcile.metrics import Metrics, closest_keys
from reconcile.storage_units import StorageBilling, storage_billing
from reconcile.tables import CheckRow, Integration, VarianceException


@dataclass(frozen=True)
class SideSpec:
    """One side as a person names it: an integration name and metrics."""

    integration: str
    metrics: Sequence[str]


ZERO, HUNDRED = Decimal(0), Decimal(100)
RATIO_MIN, RATIO_MAX = PLACES, Decimal(10_000)
TOLERANCE_MAX = Decimal(1_000_000)


class Checks:
    def __init__(self, context: Context, integrations: Integrations, metrics: Metrics) -> None:
        self.context = context
        self.integrations = integrations
        self.metrics = metrics

    def add(self, tenant_id: str, name: str, billed: SideSpec, usage: SideSpec, actor: Actor, *,
            seen_within_days: int | str | None = None, ratio: str | Decimal = "1",
            tolerance_units: str | Decimal = "0", tolerance_percent: str | Decimal = "0",
            unit: str | None = None, rounding: str | None = None, included: str | Decimal | None = None,
            bought: SideSpec | None = None, require_synced: bool = False) -> Check:
        """Add a check; `require_synced` (what both faces ask, unless told --allow-unsynced) refuses a
        metric its integration's current data lacks. Programmatic set-up (the demo, tests, a script
        run before the first sync) may leave it off: the catalogs are still enforced.

        `unit` (GB, TB, GiB, TiB) bills a usage side in bytes per unit, `rounding` started (default) or
        exact, with `included` units free: see `reconcile.storage_units`.

        `bought` makes it a three-way licence check: billed (the PSA) against usage (the tenant's
        assigned seats, Graph `assigned:*`), with what the MSP buys (a distributor or Partner Center)
        between them; see `reconcile.checks`. It takes a third integration, and no storage unit."""
        name = name.strip()
        if not name or len(name) > 200:
            raise Invalid("a check needs a name of at most 200 characters")
        seen_within = None if seen_within_days is None else seen_within_bound(seen_within_days)
        ratio_ = amount(ratio, "ratio", low=RATIO_MIN, high=RATIO_MAX)
        units = amount(tolerance_units, "tolerance", low=ZERO, high=TOLERANCE_MAX)
        percent = amount(tolerance_percent, "tolerance %", low=ZERO, high=HUNDRED)
        free = None if included in (None, "") else amount(included, "included", low=ZERO, high=TOLERANCE_MAX)
        storage = storage_billing(unit, rounding, free)
        if storage is not None and ratio_ != 1:
            raise Invalid("a check billed in a storage unit converts bytes by its unit: leave --ratio at 1")
        if storage is not None and bought is not None:
            raise Invalid("--bought makes a three-way licence check, which counts seats: leave --unit off")
        with self.context.sessions.begin() as session:
            if session.scalar(select(CheckRow.id).where(CheckRow.tenant_id == tenant_id, CheckRow.name == name)):
                raise Conflict(f"a check named {name!r} already exists")
            billed_integration = self._side(session, tenant_id, billed, "billed")
            usage_integration = self._side(session, tenant_id, usage, "usage")
            self._counted(session, tenant_id, ((billed_integration, billed), (usage_integration, usage)))
            self._sensible(billed_integration, usage_integration)
            bought_integration = None if bought is None else self._bought(session, tenant_id, bought,
                                                                          billed_integration, usage_integration)
            if storage is not None:
                self._in_bytes(usage_integration, usage)
            if require_synced:
                self._synced(tenant_id, billed_integration, billed)
                self._synced(tenant_id, usage_integration, usage)
                if bought is not None and bought_integration is not None:
                    self._synced(tenant_id, bought_integration, bought)
            row = CheckRow(tenant_id=tenant_id, name=name, billed_integration_id=billed_integration.id,
                           billed_metrics=list(billed.metrics), usage_integration_id=usage_integration.id,
                           usage_metrics=list(usage.metrics), seen_within_days=seen_within, ratio=ratio_,
                           tolerance_units=units, tolerance_percent=percent, created_by=actor.name,
                           created_at=self.context.clock(), storage_unit=storage and storage.unit,
                           storage_rounding=storage and storage.rounding, storage_included=storage and storage.included,
                           bought_integration_id=bought_integration and bought_integration.id,
                           bought_metrics=list(bought.metrics) if bought else None)
            session.add(row)
            session.flush()
            audit.record(session, tenant_id, actor, "check.add", name, billed=f"{billed.integration} {list(billed.metrics)}",
                         usage=f"{usage.integration} {list(usage.metrics)}", seen_within_days=seen_within,
                         **({"billed_in": storage.describe()} if storage else {}),
                         **({"bought": f"{bought.integration} {list(bought.metrics)}"} if bought else {}))
            named = (billed_integration, usage_integration) + ((bought_integration,) if bought_integration else ())
            return to_check(row, {i.id: i.name for i in named})

    def add_coverage(self, tenant_id: str, name: str, devices: SideSpec, agents: SideSpec, actor: Actor, *,
                     seen_within_days: int | str | None = None) -> Check:
        """Add a coverage check: the device side's machines against the agent side's, per client by host name.

        Patterns are kept as typed (`devices:*`), so a class a later sync brings is covered too.
        """
        name = name.strip()
        if not name or len(name) > 200:
            raise Invalid("a check needs a name of at most 200 characters")
        seen_within = None if seen_within_days is None else seen_within_bound(seen_within_days)
        with self.context.sessions.begin() as session:
            if session.scalar(select(CheckRow.id).where(CheckRow.tenant_id == tenant_id, CheckRow.name == name)):
                raise Conflict(f"a check named {name!r} already exists")
            device_integration = self._patterns(session, tenant_id, devices, "--coverage")
            agent_integration = self._patterns(session, tenant_id, agents, "--by")
            if device_integration.id == agent_integration.id:
                raise Invalid(f"a coverage check compares two sources, and {device_integration.name} is on both "
                              "sides: put the RMM on --coverage and the security tool on --by")
            row = CheckRow(tenant_id=tenant_id, name=name, kind=COVERAGE, billed_integration_id=device_integration.id,
                           billed_metrics=list(devices.metrics), usage_integration_id=agent_integration.id,
                           usage_metrics=list(agents.metrics), seen_within_days=seen_within, created_by=actor.name,
                           created_at=self.context.clock())
            session.add(row)
            session.flush()
            audit.record(session, tenant_id, actor, "check.add", name, kind=COVERAGE,
                         coverage=f"{devices.integration} {list(devices.metrics)}",
                         by=f"{agents.integration} {list(agents.metrics)}", seen_within_days=seen_within)
            return to_check(row, {device_integration.id: device_integration.name,
                                  agent_integration.id: agent_integration.name})

    def _patterns(self, session: Session, tenant_id: str, spec: SideSpec, option: str) -> Integration:
        """A coverage side: a usage source whose catalog each metric or pattern matches."""
        integration = self.integrations.require(session, tenant_id, spec.integration)
        cls = self.integrations.connector_class(integration.kind)
        if cls.role is Role.BILLING:
            raise Invalid(f"{integration.name} ({cls.display_name}) only says what clients are billed; it has no "
                          f"devices or agents to stand on {option}: use an RMM there and a security tool on the other")
        if not spec.metrics:
            raise Invalid(f"{option} needs at least one metric")
        exact = [key for key in cls.metrics if "*" not in key]
        for metric in spec.metrics:
            if not any(fnmatch.fnmatchcase(key, metric) for key in exact) and not cls.declares(metric):
                near = closest_keys(metric, exact) if exact else []
                hint = f" — did you mean {spec.integration}:{near[0]}?" if near else ""
                raise Invalid(f"{option}: {cls.display_name} has no metric matching {metric!r}{hint} Its catalog: "
                              f"{', '.join(cls.metrics)}")
        return integration

    def remove(self, tenant_id: str, name: str, actor: Actor) -> str:
        """Remove a check named exactly (case aside); snapshots already taken keep its results.

        Returns the name removed. A partial name is refused here: removal is not undoable.
        """
        with self.context.sessions.begin() as session:
            row = self.require(session, tenant_id, name, partial=False)
            for exception in session.scalars(select(VarianceException).where(VarianceException.check_id == row.id)):
                session.delete(exception)
            session.delete(row)
            audit.record(session, tenant_id, actor, "check.remove", row.name)
            return row.name

    def list(self, tenant_id: str) -> list[Check]:
        with self.context.sessions() as session:
            names = dict(session.execute(select(Integration.id, Integration.name)
                                         .where(Integration.tenant_id == tenant_id)).all())
            rows = session.scalars(select(CheckRow).where(CheckRow.tenant_id == tenant_id).order_by(CheckRow.name))
            return [to_check(row, names) for row in rows]

    def require(self, session: Session, tenant_id: str, name: str, *, partial: bool = True) -> CheckRow:
        rows = list(session.scalars(select(CheckRow).where(CheckRow.tenant_id == tenant_id)))
        try:
            return naming.pick(name, rows, what="check", name=lambda r: r.name, partial=partial)
        except NotFound:
            known = ", ".join(r.name for r in rows) or "none yet"
            raise NotFound(f"no check named {name!r} (checks: {known})") from None

    def _side(self, session: Session, tenant_id: str, spec: SideSpec, label: str) -> Integration:
        integration = self.integrations.require(session, tenant_id, spec.integration)
        cls = self.integrations.connector_class(integration.kind)
        if not spec.metrics:
            raise Invalid(f"the {label} side needs at least one metric")
        for metric in spec.metrics:
            if not cls.declares(metric) or "*" in metric:
                catalog = ", ".join(cls.metrics)
                exact = [key for key in cls.metrics if "*" not in key]
                near = closest_keys(metric, exact) if exact else []
                hint = f" — did you mean {spec.integration}:{near[0]}?" if near else ""
                raise Invalid(f"{cls.display_name} has no metric {metric!r}{hint} Its catalog: {catalog}")
        return integration

    @staticmethod
    def _counted(session: Session, tenant_id: str, sides: Sequence[tuple[Integration, SideSpec]]) -> None:
        """Refuse a SKU the tenant counts in no check (a free one, by default): it would always read zero."""
        counting = sku_choices.counting(session, tenant_id)
        for integration, spec in sides:
            for metric in spec.metrics:
                if why := counting.why_not(integration.kind, metric):
                    raise Invalid(f"{integration.name}:{why}")

    def _sensible(self, billed: Integration, usage: Integration) -> None:
        if billed.id == usage.id:
            raise Invalid(f"a check compares two sources, and {billed.name} is on both sides: it would only "
                          "compare its data with itself. Put the billing source (PSA, distributor) on --billed "
                          "and the usage source (RMM, security, backup) on --usage")
        cls = self.integrations.connector_class(usage.kind)
        # two PSAs side by side is a move between PSAs: the other PSA's bill stands where usage would
        moving = self.integrations.connector_class(billed.kind).role is Role.BILLING
        if cls.role is Role.BILLING and not moving:
            raise Invalid(f"{usage.name} ({cls.display_name}) only says what clients are billed, not what they use: "
                          "it cannot stand on the usage side. Put it on --billed, and a usage source on --usage")

    def _bought(self, session: Session, tenant_id: str, spec: SideSpec, billed: Integration,
                usage: Integration) -> Integration:
        """A three-way check's bought side: a third integration whose catalog has each metric."""
        integration = self._side(session, tenant_id, spec, "bought")
        if integration.id in (billed.id, usage.id):
            raise Invalid(f"--bought names what the MSP buys, from a third source, and {integration.name} is already "
                          "on another side: put the PSA on --billed, the tenant's assigned seats (Microsoft 365) on "
                          "--usage and the distributor or Partner Center on --bought")
        return integration

    def _in_bytes(self, integration: Integration, spec: SideSpec) -> None:
        """A storage unit converts bytes: every usage metric must be one counted in bytes."""
        other = [m for m in spec.metrics if not m.endswith(":bytes")]
        if other:
            raise Invalid(f"--unit bills storage counted in bytes, and {integration.name}:{other[0]} is not; "
                          f"use a :bytes metric such as {integration.name}:storage:bytes, or leave --unit off")

    def _synced(self, tenant_id: str, integration: Integration, spec: SideSpec) -> None:
        """Refuse a metric the integration's current data does not have, naming the closest ones it does."""
        if integration.current_run_id is None:
            raise Invalid(f"{integration.name} has not synced yet, so its metrics cannot be checked: sync it first "
                          f"(`sync {integration.name}`), or add --allow-unsynced to add the check anyway")
        synced = {m.metric for m in self.metrics.synced(tenant_id, integration.name)}
        for metric in spec.metrics:
            if metric in synced:
                continue
            closest = self.metrics.closest(tenant_id, integration.name, metric)
            hint = (" — did you mean " + " or ".join(f"{m.side} ({m.name})" if m.name else m.side for m in closest)
                    + "?") if closest else ""
            raise Invalid(f"no synced data of {integration.name} has {metric}{hint} `metrics {integration.name}` "
                          "lists what it has; --allow-unsynced adds the check anyway, for a product not yet "
                          "billed anywhere")


def to_check(row: CheckRow, integration_names: dict[int, str]) -> Check:
    return Check(
        id=row.id, name=row.name,
        billed=Side(row.billed_integration_id, integration_names.get(row.billed_integration_id, "?"),
                    tuple(row.billed_metrics)),
        usage=Side(row.usage_integration_id, integration_names.get(row.usage_integration_id, "?"),
                   tuple(row.usage_metrics)),
        seen_within_days=row.seen_within_days, ratio=Decimal(row.ratio),
        tolerance_units=Decimal(row.tolerance_units), tolerance_percent=Decimal(row.tolerance_percent),
        storage=StorageBilling(row.storage_unit, row.storage_rounding or "started", Decimal(row.storage_included or 0))
        if row.storage_unit else None,
        kind=row.kind or QUANTITY,
        bought=Side(row.bought_integration_id, integration_names.get(row.bought_integration_id, "?"),
                    tuple(row.bought_metrics or ())) if row.bought_integration_id else None,
    )


def seen_within_bound(days: int | str) -> int:
    """The days of a "seen within" rule, as typed or as stored (a row from before the bound may exceed it)."""
    low, high = SEEN_WITHIN_DAYS
    return whole(days, "seen-within", low=low, high=high, unit=" days")


def parse_side(text: str) -> SideSpec:
    """`ninjaone:devices:workstation,devices:server` → SideSpec("ninjaone", [...]), as both faces take it."""
    integration, sep, metrics = text.partition(":")
    names = [m.strip() for m in metrics.split(",") if m.strip()]
    if not sep or not integration.strip() or not names:
        raise Invalid(f"use INTEGRATION:METRIC[,METRIC…] such as ninjaone:devices:workstation, not {text!r}")
    return SideSpec(integration.strip(), names)
