"""`/billrec export [YYYY-MM]` — twin of `billrec export [--period]`: the latest snapshot (of that month) as CSV.

The file is uploaded into this channel; the person who asked gets an ephemeral notice.
"""

from __future__ import annotations

from bot import posting
from bot.commands.base import Invocation
from bot.commands.reconcile import filename
from bot.views.format import user
from reconcile import csvexport
from reconcile.snapshots import PERIOD

USAGE = "export [YYYY-MM]"


def start(inv: Invocation) -> None:
    words = inv.words()
    if len(words) > 1 or (words and not PERIOD.match(words[0])):
        inv.usage(USAGE)
    period = words[0] if words else None
    inv.ack()
    services, tenant = inv.services, inv.tenant

    def work() -> None:
        posting.require_member(inv.slack, inv.channel_id)
        snapshot = services.snapshots.latest(tenant, period)
        results = services.snapshots.results(tenant, snapshot.id)
        name = filename("billrec", snapshot.period, f"snapshot-{snapshot.id}")
        inv.slack.files_upload_v2(
            channel=inv.channel_id, content=csvexport.to_text(results), filename=name, title=name,
            initial_comment=(f"Snapshot #{snapshot.id} ({snapshot.period}) as CSV: {len(results)} results, "
                             f"exported by {user(inv.user_id)}."))
        inv.reply(f"Uploaded {name} (snapshot #{snapshot.id}, {snapshot.period}) to this channel.")

    inv.later(work, "exporting")
