"""`/billrec disconnect NAME` — twin of `billrec disconnect`: asks first, then deletes the credentials.

The question says what happens: credentials deleted, syncs stop, synced data and snapshots
kept. The Disconnect button also carries Slack's own confirm dialog.
"""

from __future__ import annotations

from slack_bolt import App

from bot.commands.base import Click, Invocation, clicked
from bot.views.format import asked, escape, name, section, user
from bot.views.status import decision_blocks

USAGE = "disconnect NAME"
CONFIRM, CANCEL = "disconnect_confirm", "disconnect_cancel"
KEPT = "Its synced data, client links and snapshots are kept."


def register(app: App) -> None:
    app.action(CONFIRM)(clicked(confirm))
    app.action(CANCEL)(clicked(cancel))


def ask(inv: Invocation) -> None:
    words = inv.words()
    if len(words) != 1:
        inv.usage(USAGE)
    inv.ack()
    inv.require_admin("disconnect integrations")
    info = inv.services.integrations.get(inv.tenant, words[0])
    label = f"*{name(info.name, 40)}* ({escape(info.display_name)})"
    if info.status != "connected":
        inv.reply(f"{name(info.name, 40)} is already disconnected",
                  [section(f"{label} is already disconnected. {KEPT}")])
        return
    question = f"Disconnect {label}? Its credentials are deleted and its syncs stop. {KEPT}"
    inv.reply(f"Disconnect {name(info.name, 40)}?",
              asked(question, "disconnect", info.name, act=("Disconnect", CONFIRM), keep=("Cancel", CANCEL),
                    title="Disconnect?", dialog=f"Delete the credentials of {label}? {KEPT}"))

def confirm(click: Click) -> None:
    click.require_admin("disconnect integrations")
    info = click.services.integrations.disconnect(click.tenant, click.value, click.actor)
    decision = (f":electric_plug: Disconnected *{name(info.name, 40)}* ({escape(info.display_name)}) — by "
                f"{user(click.user_id)}. {KEPT} Also revoke its API key in the vendor's console if nothing "
                "else uses it.")
    click.update(decision, decision_blocks(click.message_blocks, "disconnect", decision))


def cancel(click: Click) -> None:
    decision = f"Kept *{name(click.value, 40)}* connected; nothing changed."
    click.update(decision, decision_blocks(click.message_blocks, "disconnect", decision))
