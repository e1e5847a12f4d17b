"""`/billrec psa primary [NAME]` — twin of `billrec psa primary`: shows the primary PSA, or asks before switching.

The question says what changes (clients kept, retired, added, from the new primary's last good
sync); the Switch button also carries Slack's own confirm dialog. Only admins switch.
"""

from __future__ import annotations

from slack_bolt import App

from bot.commands.base import Click, Invocation, clicked
from bot.views.format import asked, escape, name, section, user
from bot.views.status import decision_blocks

USAGE = "psa primary [NAME]"
CONFIRM, CANCEL = "psa_primary_confirm", "psa_primary_cancel"


def register(app: App) -> None:
    app.action(CONFIRM)(clicked(confirm))
    app.action(CANCEL)(clicked(cancel))


def handle(inv: Invocation) -> None:
    words = inv.words()
    if not words or words[0].lower() != "primary" or len(words) > 2:
        inv.usage(USAGE)
    inv.ack()
    if len(words) == 1:
        current = inv.services.primary.current(inv.tenant)
        text = (f"The primary PSA is *{name(current, 40)}*: its companies are the clients." if current else
                "No PSA connected yet: the first one connected founds the clients.")
        inv.reply(text, [section(text)])
        return
    inv.require_admin("change the primary PSA")
    change = inv.services.primary.preview(inv.tenant, words[1])
    inv.reply(f"Make {name(change.psa, 40)} the primary PSA?",
              asked(escape(change.describe()), "psa_primary", change.psa, act=("Switch", CONFIRM),
                    keep=("Cancel", CANCEL), title="Switch the primary PSA?",
                    dialog=f"Make {name(change.psa, 40)} the primary PSA?"))

def confirm(click: Click) -> None:
    click.require_admin("change the primary PSA")
    change = click.services.primary.switch(click.tenant, click.value, click.actor)
    decision = (f":arrows_counterclockwise: *{name(change.psa, 40)}* is now the primary PSA — by "
                f"{user(click.user_id)}. {escape(change.describe())} Review the suggestions with `/billrec map`.")
    click.update(decision, decision_blocks(click.message_blocks, "psa_primary", decision))


def cancel(click: Click) -> None:
    decision = f"Kept the primary PSA as it was; *{name(click.value, 40)}* was not made the primary. Nothing changed."
    click.update(decision, decision_blocks(click.message_blocks, "psa_primary", decision))
