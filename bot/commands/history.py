"""`/billrec history CLIENT` — twin of `billrec history`: one client month over month."""

from __future__ import annotations

from bot.commands.base import Invocation
from bot.views import lists

USAGE = "history CLIENT"


def show(inv: Invocation) -> None:
    client = inv.text()
    if not client:
        inv.usage(USAGE)
    inv.ack()
    name, lines = inv.services.snapshots.history(inv.tenant, client)
    inv.reply(*lists.history_message(name, lines))
