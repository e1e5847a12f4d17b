"""`/billrec status` — twin of `billrec integrations`: integrations, sync health, held syncs."""

from __future__ import annotations

from bot import permissions
from bot.commands.base import Invocation
from bot.views import status as views
from reconcile.errors import NotFound
from reconcile.schedule import timetable


def show(inv: Invocation) -> None:
    inv.ack()
    services, tenant = inv.services, inv.tenant
    try:
        latest = services.snapshots.latest(tenant)
    except NotFound:
        latest = None
    # a vendor's own words can name accounts, roles and addresses: billing admins only
    detailed = permissions.is_admin(services, tenant, inv.user_id, inv.slack)
    inv.reply(*views.status_message(services.integrations.list(tenant), services.syncs.held(tenant),
                                    len(services.links.list(tenant, "suggested")), latest,
                                    timetable.next_syncs(services, tenant), detailed=detailed))
