"""`/billrec sync [NAME|all]` — twin of `billrec sync NAME | --all | --confirm | --discard`.

A sync runs on the job runner; its outcome comes back ephemerally. A sync held for a sharp
drop carries Confirm / Discard buttons (here and in `status`); only billing admins may click
them, and the click replaces the buttons with the decision and who made it. The buttons name
the held run: one a newer sync replaced answers so and changes nothing.
"""

from __future__ import annotations

from slack_bolt import App

from bot import permissions
from bot.commands.base import Click, Invocation, clicked
from bot.views import status as views
from bot.views.format import name, user

USAGE = "sync [NAME|all]"


def register(app: App) -> None:
    app.action("hold_confirm")(clicked(confirm))
    app.action("hold_discard")(clicked(discard))


def start(inv: Invocation) -> None:
    words = inv.words()
    if len(words) > 1:
        inv.usage(USAGE)
    target = words[0] if words else "all"
    services, tenant, actor = inv.services, inv.tenant, inv.actor
    inv.ack()
    if target != "all":
        services.integrations.get(tenant, target)  # an unknown name is answered before anything runs
    inv.reply(f"Syncing {name(target, 40)}… I will tell you here when it is done.")

    def work() -> None:
        outcomes = (services.syncs.run_all(tenant, actor) if target == "all"
                    else [services.syncs.run(tenant, target, actor)])
        # a vendor's own words can name accounts, roles and addresses: billing admins only
        detailed = permissions.is_admin(services, tenant, inv.user_id, inv.slack)
        inv.reply(*views.sync_message(outcomes, detailed=detailed))

    inv.later(work, f"syncing {target}")


def confirm(click: Click) -> None:
    click.require_admin("confirm a held sync")
    integration, run_id = views.read_hold(click.value)
    outcome = click.services.syncs.confirm(click.tenant, integration, click.actor, run_id=run_id)
    _show(click, f":white_check_mark: *{name(integration, 40)}*: {name(outcome.message)} — confirmed by "
                 f"{user(click.user_id)}")


def discard(click: Click) -> None:
    click.require_admin("discard a held sync")
    integration, run_id = views.read_hold(click.value)
    outcome = click.services.syncs.discard(click.tenant, integration, click.actor, run_id=run_id)
    _show(click, f":wastebasket: *{name(integration, 40)}*: {name(outcome.message)} — discarded by "
                 f"{user(click.user_id)}")


def _show(click: Click, decision: str) -> None:
    click.update(decision, views.decision_blocks(click.message_blocks, click.action["block_id"], decision))
