"""`/billrec skus [list [--free]] | include SKU | exclude SKU` — twin of `billrec skus`.

    /billrec skus list --free
    → `FLOW_FREE` Microsoft Power Automate Free — not counted (free, trial or viral: excluded by default)

Anyone may list; only billing admins include or exclude (each decision is audited). Refreshing the
table itself is the CLI's alone (`billrec skus refresh`): it rewrites a file every workspace of the
installation shares, which no one workspace's admin should do.
"""

from __future__ import annotations

from bot.commands.base import Invocation
from bot.views import lists
from bot.views.format import name, section
from reconcile.sku_choices import Choice

USAGE = "skus [list [--free]] | include SKU | exclude SKU"


def handle(inv: Invocation) -> None:
    words = inv.words()
    verb = words[0].lower() if words else "list"
    if verb == "list" and words[1:] in ([], ["--free"]):
        inv.ack()
        free_only = words[1:] == ["--free"]
        inv.reply(*message(inv.services.skus.listing(inv.tenant, free_only=free_only), free_only))
        return
    if verb not in ("include", "exclude") or len(words) != 2:
        inv.usage(USAGE)
    inv.ack()
    inv.require_admin(f"{verb} a Microsoft SKU")
    decide = inv.services.skus.include if verb == "include" else inv.services.skus.exclude
    choice = decide(inv.tenant, words[1], inv.actor)
    text = (f"*{name(choice.sku.name, 120)}* (`{name(choice.sku.part_number, 80)}`) "
            f"{'now counts in checks' if choice.counted else 'counts in no check'} ({name(choice.reason, 200)}).")
    inv.reply(text, [section(text)])


def line(choice: Choice) -> str:
    counted = "counted" if choice.counted else "*not counted*"
    return (f"`{name(choice.sku.part_number, 80)}` {name(choice.sku.name, 120)} — {counted} "
            f"({name(choice.reason, 120)})")


def message(choices: list[Choice], free_only: bool) -> lists.Message:
    heading = "*Free, trial and viral Microsoft SKUs*" if free_only else "*Microsoft SKUs*"
    hint = "An admin counts one with `/billrec skus include SKU`, or leaves one out with `/billrec skus exclude SKU`."
    return f"{len(choices)} Microsoft SKUs", [*lists.lines_to_sections([line(c) for c in choices], heading),
                                             section(hint)]
