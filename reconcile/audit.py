"""Who did what, when, and from where: every decision lands here, never a secret.

Entries are written in the same transaction as the change they describe, so the log and the
data cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reconcile.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts: a Slack user id, a local user name or the scheduler, and through which face."""

    name: str
    via: str  # cli | slack | scheduler

    def __str__(self) -> str:
        return f"{self.name} ({self.via})"


SCHEDULER = Actor("scheduler", "scheduler")


def record(session: Session, tenant_id: str, actor: Actor, action: str, subject: str = "",
           **detail: Any) -> None:
    """Add an audit entry to the session's transaction."""
    session.add(AuditEntry(tenant_id=tenant_id, actor=actor.name, via=actor.via, action=action,
                           subject=subject, detail=detail))


def recent(session: Session, tenant_id: str, limit: int = 50) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(query))
