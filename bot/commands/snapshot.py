"""`/billrec snapshot` — twin of `billrec snapshot`: freeze the current results and post them here.

The posted summary is exactly what was frozen (the snapshot is taken from the same report).
"""

from __future__ import annotations

from bot import posting
from bot.commands.base import Invocation
from bot.commands.reconcile import NO_RESULTS, filename
from bot.views.format import user


def start(inv: Invocation) -> None:
    inv.ack("Taking a snapshot… it will be posted in this channel.")
    services, tenant = inv.services, inv.tenant

    def work() -> None:
        posting.require_member(inv.slack, inv.channel_id)
        report = services.reconciler.run(tenant)
        if not report.results:
            inv.reply(NO_RESULTS)
            return
        taken = services.snapshots.take(tenant, inv.actor, report=report)
        posting.post_report(inv.slack, inv.channel_id, report, title=f"Snapshot #{taken.id} — {taken.period}",
                            csv_name=filename("billrec-snapshot", taken.period, str(taken.id)),
                            journal=posting.MemoryJournal(), pacer=inv.pacer,
                            note=f"Taken by {user(inv.user_id)} · frozen: later syncs do not change it · "
                                 f"`/billrec export {taken.period}` gets it again")

    inv.later(work, "taking a snapshot")
