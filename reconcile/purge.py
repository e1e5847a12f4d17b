"""Purging a disconnected integration's synced data, for an MSP that must honour a deletion request.

Disconnecting keeps synced data (the founding documents promise it); purging is the separate,
deliberate step that deletes it: every account, quantity and asset the integration ever synced,
and its links (they carry the vendor's account names). What stays, and why:

- snapshots: immutable by design (`tables.SnapshotImmutable`); they keep their frozen results —
  client names and figures per check — but no vendor accounts, quantities or assets;
- clients: the MSP's own customers, which exceptions and snapshots refer to;
- checks that name the integration: they report `stale` until removed or pointed elsewhere;
- the sync history (times, counts, totals per metric) and the audit log.

Only a disconnected integration may be purged, so a running sync never races the deletion, and
the purge itself is audited with what it deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reconcile import audit
from reconcile.audit import Actor
from reconcile.errors import Conflict
from reconcile.integrations import Integrations
from reconcile.tables import AccountRow, AssetRow, Integration, Link, QuantityRow, Snapshot

SYNCED = (AccountRow, QuantityRow, AssetRow)


@dataclass(frozen=True)
class Purge:
    """What a purge deletes (or deleted), and how many snapshots keep their results."""

    integration: str
    accounts: int
    quantities: int
    assets: int
    links: int
    snapshots_kept: int


def preview(integrations: Integrations, tenant_id: str, name: str) -> Purge:
    """What `purge` would delete, without deleting anything; refused unless the integration is disconnected."""
    with integrations.context.sessions() as session:
        return _counts(session, _purgeable(integrations, session, tenant_id, name))


def purge(integrations: Integrations, tenant_id: str, name: str, actor: Actor) -> Purge:
    """Delete a disconnected integration's synced accounts, quantities, assets and links; audited."""
    with integrations.context.sessions.begin() as session:
        integration = _purgeable(integrations, session, tenant_id, name)
        done = _counts(session, integration)
        for table in SYNCED:
            session.execute(delete(table).where(table.integration_id == integration.id))
        session.execute(delete(Link).where(Link.integration_id == integration.id))
        integration.current_run_id = None
        integration.status = "purged"
        audit.record(session, tenant_id, actor, "integration.purge", integration.name, kind=integration.kind,
                     accounts=done.accounts, quantities=done.quantities, assets=done.assets, links=done.links,
                     snapshots_kept=done.snapshots_kept)
    return done


def _purgeable(integrations: Integrations, session: Session, tenant_id: str, name: str) -> Integration:
    integration = integrations.require(session, tenant_id, name)
    if integration.status == "connected":
        raise Conflict(f"{name} is connected; disconnect it first (`billrec disconnect {name}`), then purge it")
    if integration.status == "purged":
        raise Conflict(f"{name}'s synced data was already purged; nothing is left to delete")
    return integration


def _counts(session: Session, integration: Integration) -> Purge:
    """What the integration holds, as its last good sync reported it (older runs' copies go too)."""
    def count(table: type) -> int:
        return session.scalar(select(func.count()).select_from(table).where(
            table.integration_id == integration.id, table.sync_run_id == integration.current_run_id)) or 0
    kept = session.scalars(select(Snapshot.sources).where(Snapshot.tenant_id == integration.tenant_id))
    snapshots = sum(1 for sources in kept if any(s.get("integration") == integration.name for s in sources or ()))
    links = session.scalar(select(func.count()).select_from(Link).where(Link.integration_id == integration.id)) or 0
    return Purge(integration.name, count(AccountRow), count(QuantityRow), count(AssetRow), links, snapshots)
