"""`/billrec help` (also an empty or unknown subcommand): every subcommand and its syntax."""

from __future__ import annotations

from bot.commands.base import Invocation
from bot.views import lists


def show(inv: Invocation, unknown: str = "") -> None:
    inv.reply(*lists.help_message(unknown))
