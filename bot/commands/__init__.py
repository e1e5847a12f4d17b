"""`/billrec`: one slash command, one module per subcommand, each the twin of a `billrec` CLI command.

    SUBCOMMANDS["status"](inv)      # /billrec status  ~  billrec integrations

A subcommand module exposes its entry function and, when it has buttons or a modal, its own
`register(app)` for them. An empty or unknown subcommand shows the help.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import failures
from bot.commands import (
    checks,
    connect,
    disconnect,
    evidence,
    exceptions,
    export,
    help,
    history,
    links,
    metrics,
    psa,
    reconcile,
    review,
    settings,
    skus,
    snapshot,
    status,
    sync,
)
from bot.commands.base import Invocation
from bot.background import Background
from bot.posting import Pacer
from reconcile.bootstrap import Services

COMMAND = "/billrec"
USAGE_HINT = "status | sync [NAME|all] | connect | map | reconcile [CLIENT] | snapshot | export [YYYY-MM] | help"

SUBCOMMANDS: dict[str, Callable[[Invocation], None]] = {
    "help": help.show,
    "connect": connect.start,
    "disconnect": disconnect.ask,
    "status": status.show,
    "sync": sync.start,
    "map": links.show,
    "checks": checks.handle,
    "metrics": metrics.show,
    "reconcile": reconcile.start,
    "snapshot": snapshot.start,
    "export": export.start,
    "history": history.show,
    "except": exceptions.handle,
    "settings": settings.handle,
    "psa": psa.handle,
    "skus": skus.handle,
}


def register(app: App) -> None:
    app.command(COMMAND)(dispatch)
    for module in (checks, connect, disconnect, evidence, psa, sync, links, review):
        module.register(app)


def dispatch(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, services: Services,
             tenant: str, background: Background, pacer: Pacer) -> None:
    """Find the subcommand, run it, and make sure Slack got its ack whatever happened."""
    name, _, args = str(command.get("text") or "").strip().partition(" ")
    run = SUBCOMMANDS.get(name.lower())
    inv = Invocation(name=name.lower(), args=args, user_id=command["user_id"], channel_id=command["channel_id"],
                     trigger_id=command.get("trigger_id", ""), ack=ack, respond=respond, slack=client,
                     services=services, tenant=tenant, background=background, pacer=pacer)
    try:
        with failures.explained(inv.reply):
            if run is None:
                help.show(inv, unknown=name)
            else:
                run(inv)
    finally:
        if not inv.acked:  # a bug before the ack still gets an answer; @app.error tells the rest
            ack()
