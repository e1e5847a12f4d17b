"""The report thread's decision buttons — twins of `billrec review ack | fixed | not-billable`.

A click on Acknowledge, Billing fixed or Not billable under a client (`bot.views.report.client_actions`)
opens its modal (`bot.views.review`); only billing admins may open or submit one. A submission is
decided at once (a refusal shows beside its field, nothing written), then the clicked message is
read back (conversations.replies) and replaced in place (chat.update) with a line naming who
decided what. Each decision is audited by the `reconcile` service that makes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import permissions
from bot.commands.base import Click, clicked
from bot.views import review as views
from bot.views.format import escape, option
from reconcile.audit import Actor
from reconcile.bootstrap import Services
from reconcile.errors import KNOWN, shown
from reconcile.reviews import CANDIDATES

log = logging.getLogger(__name__)

DECIDE = "decide about variances"

# a submission read: (services, tenant, actor, client id, view) → what makes the decision (and returns the line
# it leaves), or `Refusal` for a field filled wrongly
Apply = Callable[[], str]
Decision = Callable[[Services, str, Actor, int, dict[str, Any]], Apply]


def register(app: App) -> None:
    app.action(views.ACK)(clicked(open_ack))
    app.action(views.FIXED)(clicked(open_fixed))
    app.action(views.NOT_BILLABLE)(clicked(open_not_billable))
    app.view(views.ACK_SUBMIT)(submitted(acknowledge, views.REASON))
    app.view(views.FIXED_SUBMIT)(submitted(fix, views.DUE))
    app.view(views.NOT_BILLABLE_SUBMIT)(submitted(not_billable, views.WHAT))
    app.options(views.WHAT)(search)


# -- the clicks ------------------------------------------------------------------------------

def _opening(click: Click) -> tuple[str, list[tuple[int, str]], str] | None:
    """The client's name, its open checks (id, name) and the modal's metadata; None if none is left."""
    click.require_admin(DECIDE)
    client_id, names = views.read_button(click.value)
    client = dict(click.services.links.clients(click.tenant)).get(client_id)
    ids = {c.name: c.id for c in click.services.checks.list(click.tenant)}
    if client is None:
        _show(click, views.notice_view("Nothing to decide", "That client is no longer one of yours."))
        return None
    checks = [(ids[n], n) for n in names if n in ids]
    if not checks:
        _show(click, views.notice_view("Nothing to decide", "Those checks no longer exist; run `/billrec reconcile`."))
        return None
    container = click.body.get("container") or {}
    message = click.body.get("message") or {}
    ts = str(container.get("message_ts") or message.get("ts") or "")
    meta = views.metadata(client_id, str(container.get("channel_id") or ""), ts,
                          str(message.get("thread_ts") or ts), [c for c, _ in checks])
    return client, checks, meta


def _show(click: Click, view: dict[str, Any]) -> None:
    click.slack.views_open(trigger_id=click.body["trigger_id"], view=view)


def open_ack(click: Click) -> None:
    if (opened := _opening(click)) is not None:
        _show(click, views.ack_view(*opened))


def open_fixed(click: Click) -> None:
    if (opened := _opening(click)) is not None:
        _show(click, views.fixed_view(*opened))


def open_not_billable(click: Click) -> None:
    if (opened := _opening(click)) is None:
        return
    client, checks, meta = opened
    found = click.services.reviews.candidates(click.tenant, views.read_metadata({"private_metadata": meta})["c"],
                                              [c for c, _ in checks])
    if not found:
        _show(click, views.notice_view("Not billable", "No usage account or asset of this client counts in "
                                                        "those checks, so there is nothing to set aside."))
        return
    _show(click, views.not_billable_view(client, [(c.key, c.label) for c in found], meta,
                                         search=len(found) >= CANDIDATES))


def search(ack: Ack, payload: dict[str, Any], services: Services, tenant: str) -> None:
    """The Not billable picker past `CANDIDATES`: accounts and assets whose name contains what was typed."""
    meta = views.read_metadata(payload.get("view") or {})
    found = services.reviews.candidates(tenant, meta["c"], meta.get("k", []), str(payload.get("value") or ""))
    ack(options=[option(c.label, c.key) for c in found])


# -- the submissions ----------------------------------------------------------------------------

def acknowledge(services: Services, tenant: str, actor: Actor, client_id: int, view: dict[str, Any]) -> Apply:
    until, forever = views.picked_day(view, views.UNTIL), views.ticked(view, views.FOREVER)
    if until is None and not forever:
        raise Refusal(views.UNTIL, "Pick the last day it holds, or tick “No end date”.")
    if until is not None and forever:
        raise Refusal(views.FOREVER, "Either a last day or no end date, not both.")
    check, reason = chosen_check(view), views.typed(view, views.REASON)

    def apply() -> str:
        found = services.reviews.acknowledge(tenant, client_id, check, reason, actor, until=until)
        return views.acknowledged_line(actor.name, found.check, found.reason, found.until)
    return apply


def fix(services: Services, tenant: str, actor: Actor, client_id: int, view: dict[str, Any]) -> Apply:
    due = views.picked_day(view, views.DUE)
    if due is None:
        raise Refusal(views.DUE, "Pick the day the corrected invoice is due.")
    check, note = chosen_check(view), views.typed(view, views.NOTE)

    def apply() -> str:
        found = services.reviews.fix(tenant, client_id, check, due, actor, note)
        return views.fixed_line(actor.name, found.check, found.expected_by)
    return apply


def not_billable(services: Services, tenant: str, actor: Actor, client_id: int, view: dict[str, Any]) -> Apply:
    candidate, reason = views.chosen(view, views.WHAT), views.typed(view, views.REASON)
    if not candidate:
        raise Refusal(views.WHAT, "Choose what is not billable.")

    def apply() -> str:
        found = services.reviews.not_billable(tenant, client_id, None, reason, actor, candidate=candidate)
        return views.not_billable_line(actor.name, found.check, found.what, found.reason)
    return apply


def chosen_check(view: dict[str, Any]) -> int:
    check = views.chosen(view, views.CHECK)
    if not check.isdigit():
        raise Refusal(views.CHECK, "Choose the check this is about.")
    return int(check)


class Refusal(Exception):
    """A submission refused before anything was written: shown beside `block`."""

    def __init__(self, block: str, message: str) -> None:
        super().__init__(message)
        self.block, self.message = block, message


def submitted(decide: Decision, field: str) -> Callable[..., None]:
    """A view_submission listener: admins only; the form checked (refusals beside their field), then the modal
    says "Recording…", the decision is made (a refusal then replaces that notice, nothing written), and the
    clicked message is updated."""

    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, services: Services,
                 tenant: str) -> None:
        user_id = str(body["user"]["id"])
        if not permissions.is_admin(services, tenant, user_id, client):
            ack(response_action="errors", errors={field: f"Only billing admins may {DECIDE}; nothing was changed."})
            return
        meta = views.read_metadata(view)
        try:
            apply = decide(services, tenant, Actor(user_id, "slack"), int(meta["c"]), view)
        except Refusal as refused:
            ack(response_action="errors", errors={refused.block: refused.message})
            return
        # what the form says is checked; deciding may take a reconciliation, longer than Slack waits for an answer
        title = str((view.get("title") or {}).get("text") or "Decision")
        ack(response_action="update", view=views.notice_view(title, "Recording your decision…"))
        try:
            line = apply()
        except KNOWN as error:
            client.views_update(view_id=view["id"], view=views.notice_view(
                title, f":warning: {escape(shown(error))}. Nothing was changed."))
            return
        client.views_update(view_id=view["id"], view=views.notice_view(title, f"{line}\n\nRecorded."))
        update_in_place(client, meta, user_id, line)

    listener.__name__ = decide.__name__
    return listener


def update_in_place(slack: WebClient, meta: dict[str, Any], user_id: str, line: str) -> None:
    """Replace the clicked message with `line` under the client; if that cannot be done, tell the decider."""
    channel, ts = str(meta.get("ch") or ""), str(meta.get("ts") or "")
    try:
        message = _message(slack, channel, ts, str(meta.get("th") or ts))
        blocks = views.with_decision((message or {}).get("blocks") or [], int(meta["c"]), line)
        if blocks is not None:
            slack.chat_update(channel=channel, ts=ts, text=str(message.get("text") or "Reconciliation details"),
                              blocks=blocks)
            return
        problem = "the message no longer has this client's buttons"
    except SlackApiError as error:
        log.warning("could not update the report message %s in %s: %s", ts, channel, error.response.get("error"))
        problem = f"Slack answered {error.response.get('error')}"
    try:
        slack.chat_postEphemeral(channel=channel, user=user_id, text=f"Your decision is recorded, but I could not "
                                 f"update the message ({problem}). `billrec review list` shows every decision.")
    except SlackApiError:
        log.warning("could not tell %s that the message was not updated", user_id)


def _message(slack: WebClient, channel: str, ts: str, thread_ts: str) -> dict[str, Any] | None:
    """The message `ts` of the thread `thread_ts`, read back (its blocks as they are now, other decisions included)."""
    cursor = None
    while True:
        page = slack.conversations_replies(channel=channel, ts=thread_ts, limit=200, cursor=cursor)
        for message in page.get("messages") or []:
            if message.get("ts") == ts:
                return message
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
