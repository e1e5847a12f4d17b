"""Tenants (one MSP = one Slack workspace) and their settings, and where each is in Slack.

Settings live as one JSON document per tenant; `TenantSettings` gives them names, types and
defaults, so adding a setting needs no migration. A tenant's `Workspace` says which Slack
install it is, in the keys Slack's installation store finds its bot by.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from reconcile import audit
from reconcile.bounds import digits, record_id
from reconcile.errors import Invalid, NotFound
from reconcile.install_tables import TenantWorkspace
from reconcile.tables import Tenant

if TYPE_CHECKING:
    from reconcile.audit import Actor
    from reconcile.context import Context

TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_ALERT_THRESHOLD = Decimal(1_000_000_000)
MAX_STALE_AFTER_HOURS = 24 * 366
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9_]{2,}$")


@dataclass(frozen=True)
class TenantSettings:
    """What a billing admin can set.

    Attributes:
        billing_channel: Slack channel id the digest and alerts go to.
        admins: Slack user ids allowed to change things; empty means workspace admins.
        digest_day: day of the month for the snapshot and digest (1–28, so every month has it).
        digest_time: local time of day, HH:MM.
        timezone: IANA zone the digest day and time are in.
        sync_interval_hours: how often each integration syncs.
        alert_threshold: new under-billing above this (per month) between digests posts an alert.
        stale_after_hours: a source whose last good sync is older than this is stale.
    """

    billing_channel: str = ""
    admins: tuple[str, ...] = ()
    digest_day: int = 1
    digest_time: str = "09:00"
    timezone: str = "UTC"
    sync_interval_hours: int = 24
    alert_threshold: Decimal = Decimal(100)
    stale_after_hours: int = 48

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TenantSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in (data or {}).items() if k in known}
        if "admins" in values:
            values["admins"] = tuple(values["admins"])
        if "alert_threshold" in values:
            values["alert_threshold"] = Decimal(str(values["alert_threshold"]))
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["admins"] = list(self.admins)
        data["alert_threshold"] = str(self.alert_threshold)
        return data

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def changed(self, **changes: Any) -> TenantSettings:
        """A validated copy with `changes` applied; raises `Invalid` with a readable reason."""
        updated = dataclasses.replace(self, **coerce(changes))
        updated.validate()
        return updated

    def validate(self) -> None:
        if self.billing_channel and not CHANNEL_ID.match(self.billing_channel):
            raise Invalid("billing channel takes the channel's id (C0123ABCD, under the channel's name › About in "
                          "Slack); from Slack, `/billrec settings billing_channel=#channel` finds it for you")
        if not 1 <= self.digest_day <= 28:
            raise Invalid("digest day must be between 1 and 28, so every month has it")
        if not TIME.match(self.digest_time):
            raise Invalid("digest time must be HH:MM in 24-hour time, e.g. 09:00")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"unknown time zone {self.timezone!r}; use an IANA name like Europe/London") from None
        if not 1 <= self.sync_interval_hours <= 168:
            raise Invalid("sync interval must be between 1 and 168 hours")
        if not self.alert_threshold.is_finite() or not 0 <= self.alert_threshold <= MAX_ALERT_THRESHOLD:
            raise Invalid(f"alert threshold must be an amount between 0 and {MAX_ALERT_THRESHOLD:,}")
        if not 1 <= self.stale_after_hours <= MAX_STALE_AFTER_HOURS:
            raise Invalid(f"stale-after must be between 1 and {MAX_STALE_AFTER_HOURS} hours (a year)")


@dataclass(frozen=True)
class Workspace:
    """Where a tenant is in Slack.

    A workspace has its team id, and its enterprise id when it is part of an Enterprise Grid
    org; an org-wide install has the enterprise id alone and `is_enterprise_install`.
    """

    team_id: str | None
    enterprise_id: str | None = None
    is_enterprise_install: bool = False

    @property
    def tenant_id(self) -> str | None:
        """Each workspace is its own tenant; an org-wide install is one tenant, named by its enterprise."""
        return self.enterprise_id if self.is_enterprise_install and self.enterprise_id else self.team_id


def coerce(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Turn typed-in strings into the settings' types."""
    fields = {f.name: f for f in dataclasses.fields(TenantSettings)}
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in fields:
            raise Invalid(f"unknown setting {name!r}; settings are {', '.join(sorted(fields))}")
        try:
            if name in ("digest_day", "sync_interval_hours", "stale_after_hours"):
                value = digits(value, name.replace("_", " "))  # validate() bounds it in its own words
            elif name == "alert_threshold":
                typed = str(value).lstrip("$")
                if not typed.isascii():  # Decimal reads '١٠٠' and '１００' as 100 too
                    raise ValueError(typed)
                value = Decimal(typed)
            elif name == "admins":
                value = tuple(value.replace(",", " ").split()) if isinstance(value, str) else tuple(value)
            elif name == "digest_time" and isinstance(value, str) and TIME.match(value):
                hours, minutes = value.split(":")
                value = f"{int(hours):02d}:{minutes}"
        except (ValueError, InvalidOperation):
            raise Invalid(f"{name} cannot be {value!r}") from None
        out[name] = value
    return out


def ensure(session: Session, tenant_id: str, name: str = "") -> Tenant:
    """The tenant row, created on first use."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, name=name or tenant_id, settings={})
        session.add(tenant)
        session.flush()
    return tenant


def settings_of(session: Session, tenant_id: str) -> TenantSettings:
    tenant = session.get(Tenant, tenant_id)
    return TenantSettings.from_json(tenant.settings if tenant else None)


class Tenants:
    """Reading and changing a tenant's settings; a change is audited and announced."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def settings(self, tenant_id: str) -> TenantSettings:
        with self.context.sessions() as session:
            return settings_of(session, tenant_id)

    def update(self, tenant_id: str, actor: Actor, **changes: Any) -> TenantSettings:
        with self.context.sessions.begin() as session:
            tenant = ensure(session, tenant_id)
            updated = TenantSettings.from_json(tenant.settings).changed(**changes)
            tenant.settings = updated.to_json()
            audit.record(session, tenant_id, actor, "settings.update", ", ".join(sorted(changes)),
                         **{k: str(v) for k, v in coerce(changes).items()})
        self.context.events.emit("settings.changed", tenant_id=tenant_id)
        return updated

    def ensure(self, tenant_id: str, name: str = "") -> None:
        with self.context.sessions.begin() as session:
            ensure(session, tenant_id, name)

    def remember_workspace(self, tenant_id: str, workspace: Workspace) -> None:
        """Where the tenant is in Slack, as its (latest) install says."""
        with self.context.sessions.begin() as session:
            ensure(session, tenant_id)
            row = session.get(TenantWorkspace, tenant_id) or TenantWorkspace(tenant_id=tenant_id)
            row.team_id, row.enterprise_id = workspace.team_id, workspace.enterprise_id
            row.is_enterprise_install = workspace.is_enterprise_install
            session.add(row)

    def workspace(self, tenant_id: str) -> Workspace:
        """Where the tenant is in Slack; a tenant never installed through OAuth is the workspace of its id."""
        with self.context.sessions() as session:
            row = session.get(TenantWorkspace, tenant_id)
            if row is None:
                return Workspace(team_id=tenant_id)
            return Workspace(row.team_id, row.enterprise_id, row.is_enterprise_install)

    def all(self) -> list[str]:
        with self.context.sessions() as session:
            return list(session.scalars(select(Tenant.id).order_by(Tenant.id)))


Row = TypeVar("Row")


def owned(session: Session, model: type[Row], value: int | str, tenant_id: str, what: str) -> Row:
    """The `model` row numbered `value` ("3" or "#3") if it is this tenant's; otherwise "no WHAT #3".

    Another tenant's row reads as missing, never as someone else's.
    """
    row_id = record_id(value, what)
    row = session.get(model, row_id)
    if row is None or row.tenant_id != tenant_id:  # type: ignore[attr-defined]
        raise NotFound(f"no {what} #{row_id}")
    return row
