"""`/billrec checks [list | add … | remove NAME]` — twin of `billrec checks list | add | remove`.

`checks add` takes the CLI's own syntax (quote a name with spaces):

    /billrec checks add "Managed workstations" --billed psa:billed:MW-01 --usage rmm:devices:workstation
        --seen-within 30 --ratio 1 --tolerance 1 --tolerance-percent 5
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from bot.commands.base import Invocation, Usage
from bot.views import lists
from bot.views.format import name
from reconcile.check_catalog import parse_side

ADD = ("checks add NAME --billed INTEGRATION:METRIC[,METRIC…] --usage INTEGRATION:METRIC[,METRIC…] "
       "[--seen-within DAYS] [--ratio R] [--tolerance N] [--tolerance-percent P] [--allow-unsynced]")
USAGE = "checks [list] | " + ADD + " | checks remove NAME"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise Usage(f"{message}. Usage: `/billrec {ADD}`")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="checks add", add_help=False, allow_abbrev=False)
    p.add_argument("name")
    p.add_argument("--billed", required=True)
    p.add_argument("--usage", required=True)
    p.add_argument("--seen-within")  # read and bounded by the service, in the same words as the CLI's
    p.add_argument("--ratio", default="1")
    p.add_argument("--tolerance", default="0")
    p.add_argument("--tolerance-percent", default="0")
    p.add_argument("--allow-unsynced", action="store_true")
    return p


def handle(inv: Invocation) -> None:
    words = inv.words()
    action = words[0].lower() if words else "list"
    if action == "list" and len(words) <= 1:
        inv.ack()
        inv.reply(*lists.checks_message(inv.services.checks.list(inv.tenant)))
    elif action == "add":
        args = parser().parse_args(words[1:])
        billed, usage = parse_side(args.billed), parse_side(args.usage)
        inv.ack()
        inv.require_admin("change checks")
        check = inv.services.checks.add(
            inv.tenant, args.name, billed, usage, inv.actor,
            seen_within_days=args.seen_within, ratio=args.ratio, tolerance_units=args.tolerance,
            tolerance_percent=args.tolerance_percent, require_synced=not args.allow_unsynced)
        added = lists.checks_message([check])[1]
        inv.reply(f"Added check {name(check.name)}", [*added, *lists.lines_to_sections(
            ["Added. See its results with `/billrec reconcile`."])])
    elif action == "remove" and len(words) == 2:
        inv.ack()
        inv.require_admin("change checks")
        removed = inv.services.checks.remove(inv.tenant, words[1], inv.actor)
        inv.reply(f"Removed check *{name(removed)}*. Snapshots already taken keep its results.")
    else:
        inv.usage(USAGE)
