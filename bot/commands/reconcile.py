"""`/billrec reconcile [CLIENT]` — twin of `billrec reconcile [--client]`, posted for the channel to see.

The summary goes into the channel, the details per client into its thread, and the CSV into
the same thread, through `bot.posting.post_report` (the service the monthly digest uses too).
"""

from __future__ import annotations

import re

from bot import posting
from bot.commands.base import Invocation
from bot.views.format import name, user

NO_RESULTS = ("No results yet: connect integrations (`/billrec connect`), sync them, approve client links "
              "(`/billrec map`) and add checks (`/billrec checks add`).")


def start(inv: Invocation) -> None:
    client_name = inv.text() or None
    for_whom = f" for {name(client_name, 80)}" if client_name else ""
    inv.ack(f"Reconciling{for_whom}… the summary will appear in this channel.")
    services, tenant = inv.services, inv.tenant

    def work() -> None:
        posting.require_member(inv.slack, inv.channel_id)
        report = services.reconciler.run(tenant, client_name)
        if not report.results:
            inv.reply(NO_RESULTS)
            return
        day = f"{report.generated_at:%Y-%m-%d}"
        title = f"Reconciliation — {day}" + (f" — {report.client}" if report.client else "")
        posting.post_report(inv.slack, inv.channel_id, report, title=title, journal=posting.MemoryJournal(),
                            pacer=inv.pacer,
                            csv_name=filename("billrec-reconcile", day, report.client or ""),
                            note=f"Requested by {user(inv.user_id)} · as of {report.generated_at:%Y-%m-%d %H:%M} UTC")

    inv.later(work, "reconciling")


def filename(*parts: str) -> str:
    """A safe CSV file name from words such as a client name."""
    words = [re.sub(r"[^A-Za-z0-9]+", "-", p).strip("-").lower() for p in parts if p]
    return "-".join(w for w in words if w)[:120] + ".csv"
