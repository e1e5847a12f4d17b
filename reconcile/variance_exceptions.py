"""Exceptions: variances a person has acknowledged, with a reason and an end date.

An excepted result still shows its numbers but is reported as `excepted`, not alarmed on,
until the date passes or the exception is revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reconcile import audit, tenants
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.errors import Conflict, Invalid
from reconcile.linking import Links
from reconcile.check_catalog import Checks
from reconcile.tables import CheckRow, Client, VarianceException


@dataclass(frozen=True)
class ExceptionInfo:
    id: int
    client: str
    check: str
    reason: str
    until: date | None
    created_by: str
    created_at: datetime
    active: bool


class Exceptions:
    def __init__(self, context: Context, links: Links, checks: Checks) -> None:
        self.context = context
        self.links = links
        self.checks = checks

    def add(self, tenant_id: str, client: str, check: str, reason: str, actor: Actor,
            until: date | None = None) -> ExceptionInfo:
        reason = reason.strip()
        if not reason:
            raise Invalid("an exception needs a reason, e.g. \"loaner laptops until March\"")
        with self.context.sessions.begin() as session:
            if until is not None and until < self._today(session, tenant_id):
                raise Invalid(f"until {until} is already past")
            found_client = self.links.find_client(session, tenant_id, client)
            found_check = self.checks.require(session, tenant_id, check)
            today = self._today(session, tenant_id)
            live = session.scalars(select(VarianceException).where(
                VarianceException.tenant_id == tenant_id, VarianceException.client_id == found_client.id,
                VarianceException.check_id == found_check.id, VarianceException.revoked_at.is_(None),
                or_(VarianceException.until.is_(None), VarianceException.until >= today))).first()
            if live is not None:
                # two live exceptions would leave "which reason, until when?" to chance
                raise Conflict(f"{found_client.name} already has exception #{live.id} on {found_check.name} "
                               f"({live.reason!r}, until {live.until or 'revoked'}); revoke it first "
                               f"(except revoke {live.id}) to replace it")
            row = VarianceException(tenant_id=tenant_id, client_id=found_client.id, check_id=found_check.id,
                                    reason=reason[:1000], until=until, created_by=actor.name,
                                    created_at=self.context.clock())
            session.add(row)
            session.flush()
            audit.record(session, tenant_id, actor, "exception.add", f"{found_client.name} / {found_check.name}",
                         reason=reason, until=until.isoformat() if until else None)
            return self._info(row, found_client.name, found_check.name, self._today(session, tenant_id))

    def revoke(self, tenant_id: str, exception_id: int | str, actor: Actor) -> ExceptionInfo:
        with self.context.sessions.begin() as session:
            row = tenants.owned(session, VarianceException, exception_id, tenant_id, "exception")
            row.revoked_at = self.context.clock()
            client, check = session.get(Client, row.client_id), session.get(CheckRow, row.check_id)
            audit.record(session, tenant_id, actor, "exception.revoke", f"{client.name} / {check.name}")
            return self._info(row, client.name, check.name, self._today(session, tenant_id))

    def list(self, tenant_id: str, *, include_inactive: bool = False) -> list[ExceptionInfo]:
        with self.context.sessions() as session:
            query = (select(VarianceException, Client.name, CheckRow.name)
                     .join(Client, Client.id == VarianceException.client_id)
                     .join(CheckRow, CheckRow.id == VarianceException.check_id)
                     .where(VarianceException.tenant_id == tenant_id).order_by(VarianceException.id))
            today = self._today(session, tenant_id)
            found = [self._info(row, client, check, today) for row, client, check in session.execute(query)]
        return [e for e in found if include_inactive or e.active]

    def _today(self, session: Session, tenant_id: str) -> date:
        """Exceptions run to the end of `until` in the tenant's time zone, not UTC's."""
        return self.context.clock().astimezone(tenants.settings_of(session, tenant_id).zone).date()

    def _info(self, row: VarianceException, client: str, check: str, today: date) -> ExceptionInfo:
        active = row.revoked_at is None and (row.until is None or row.until >= today)
        return ExceptionInfo(row.id, client, check, row.reason, row.until, row.created_by, row.created_at, active)
