"""`/billrec except add | list | revoke` — twin of `billrec except add | list | revoke`.

Client and check names may hold spaces, so `add` separates its parts with `|`:

    /billrec except add Acme Corp | Managed workstations | loaner laptops | until 2026-12-31
    /billrec except add Acme Corp | Backup | archive server, billed elsewhere | forever

How long it holds is said, never assumed (as `billrec except add` asks for --until or --forever):
an exception with no end silences a variance for good.
    /billrec except list [all]
    /billrec except revoke 3
"""

from __future__ import annotations

from datetime import date

from bot.commands.base import Invocation, Usage
from bot.views import lists
from bot.views.format import name
from reconcile.bounds import record_id

ADD = "except add CLIENT | CHECK | REASON | until YYYY-MM-DD (or | forever)"
USAGE = f"{ADD} | except list [all] | except revoke ID"


def handle(inv: Invocation) -> None:
    action, _, rest = inv.text().partition(" ")
    action = action.lower()
    if action == "add":
        add(inv, rest)
    elif action in ("list", "") and rest.strip().lower() in ("", "all"):
        inv.ack()
        found = inv.services.exceptions.list(inv.tenant, include_inactive=rest.strip().lower() == "all")
        inv.reply(*lists.exceptions_message(found))
    elif action == "revoke" and rest.strip():
        exception_id = record_id(rest, "exception")  # before the ack: a typo is answered at once
        inv.ack()
        inv.require_admin("revoke exceptions")
        found = inv.services.exceptions.revoke(inv.tenant, exception_id, inv.actor)
        inv.reply(f"Revoked exception #{found.id} ({name(found.client)} / {name(found.check)}); "
                  "its variance is reported again.")
    else:
        inv.usage(USAGE)


def add(inv: Invocation, rest: str) -> None:
    parts = [p.strip() for p in rest.split("|")]
    if len(parts) not in (3, 4) or not all(parts):
        inv.usage(ADD)
    if len(parts) == 3:
        raise Usage(f"say how long the exception holds: end with `| until YYYY-MM-DD`, or `| forever` to keep it "
                    f"until revoked. Usage: `/billrec {ADD}`")
    client, check, reason = parts[:3]
    until = None if parts[3].lower() == "forever" else parse_until(parts[3])
    if until is False:
        inv.usage(ADD)
    inv.ack()
    inv.require_admin("add exceptions")
    found = inv.services.exceptions.add(inv.tenant, client, check, reason, inv.actor, until=until or None)
    inv.reply(f"Exception #{found.id} added", lists.exceptions_message([found])[1])


def parse_until(text: str) -> date | bool:
    """`until 2026-12-31` or `2026-12-31` → the date; anything else → False."""
    text = text.lower().removeprefix("until").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return False
