"""How failures reach the user: known ones as a clear sentence, the rest as "something failed".

Known failures are the ones a person can act on: `reconcile.errors.KNOWN` — a `UserError` (an
unknown client, a refused click, an unreadable key) or a `ConnectorError` (the vendor refused
the key) — and a few Slack answers such as `not_in_channel`. Handlers and jobs wrap their work in `explained(reply)`;
everything else reaches `on_error` (registered as `@app.error`) or the job runner's last resort,
both of which call `unexpected`: the traceback goes to the log, the user gets one ephemeral line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import inbound
from bot.views.format import escape
from reconcile import errors

Reply = Callable[[str], Any]
KNOWN = errors.KNOWN

SOMETHING_FAILED = (":x: Something went wrong on our side while {what}. It is logged with the details; "
                    "try again, and tell whoever runs BillingReconcile if it keeps happening.")
SLACK_PROBLEMS = {
    "not_in_channel": "I am not a member of this channel. Invite me with `/invite @BillingReconcile` and try again.",
    "channel_not_found": "I cannot see this channel. If it is private, invite me with `/invite @BillingReconcile`.",
    "is_archived": "This channel is archived, so I cannot post here. Try another channel.",
    "expired_trigger_id": "Slack allows 3 seconds to open a form and that passed. Run the command again.",
    "invalid_trigger_id": "Slack did not accept the form request. Run the command again.",
}


def known_message(error: BaseException) -> str | None:
    """The sentence to show for a failure a person can act on; None for anything else."""
    if isinstance(error, KNOWN):
        # messages are plain text and may quote user input; a few are our own mrkdwn
        text = error.message if getattr(error, "mrkdwn", False) else escape(errors.shown(error))
        return ":warning: " + text
    if isinstance(error, SlackApiError):
        code = error.response.get("error", "") if error.response is not None else ""
        if code in SLACK_PROBLEMS:
            return ":warning: " + SLACK_PROBLEMS[code]
    return None


@contextmanager
def explained(reply: Reply) -> Iterator[None]:
    """Turn a known failure inside the block into a reply; let anything else through."""
    try:
        yield
    except (*KNOWN, SlackApiError) as error:
        message = known_message(error)
        if message is None:
            raise
        reply(message)


def unexpected(error: BaseException, log: logging.Logger, reply: Reply | None, *, what: str) -> None:
    """Log the traceback and tell the user, in one line, that something failed."""
    detail = ""
    if isinstance(error, SlackApiError) and error.response is not None:
        # invalid_blocks and friends explain themselves in response_metadata
        detail = f" ({error.response.get('error')}: {error.response.get('response_metadata')})"
    log.error("%s failed%s", what, detail, exc_info=error)
    if reply is None:
        return
    try:
        reply(SOMETHING_FAILED.format(what=what))
    except Exception:  # the user cannot be told; the log already has the story
        log.exception("could not tell the user that %s failed", what)


def on_error(error: Exception, body: dict[str, Any], context: BoltContext, client: WebClient,
             logger: logging.Logger, request: BoltRequest) -> None:
    """`@app.error`: the last stop for anything a listener did not turn into a message.

    It speaks only for a request Slack sent: one `bot.inbound` verified, or one that came
    through the Socket Mode client. Anything else names a response_url, a user and a channel
    nobody vouched for, so it gets no answer and no traceback in the log.
    """
    if not (request.mode == "socket_mode" or request.context.get(inbound.VERIFIED)):
        logger.warning("an unverified request failed before it was refused (%s); not answered",
                       type(error).__name__)
        return
    reply = reply_for(context, client)  # Bolt's WebClient, `slack` below
    message = known_message(error)
    if message is not None and reply is not None:
        reply(message)
        return
    what = describe(body)
    unexpected(error, logger, reply, what=what)


def reply_for(context: BoltContext, slack: WebClient) -> Reply | None:
    """An ephemeral way back to the user who sent this request, if there is one."""
    if context.response_url:
        respond = context.respond
        return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)
    if context.channel_id and context.user_id:
        return lambda text: slack.chat_postEphemeral(channel=context.channel_id, user=context.user_id, text=text)
    return None


def describe(body: dict[str, Any]) -> str:
    """What the user was doing, in words, for the "something failed" line."""
    if body.get("command"):
        words = str(body.get("text", "")).split()
        return f"running {body['command']} {words[0] if words else ''}".strip()
    if body.get("type") == "block_actions":
        return "handling that click"
    if body.get("type") == "view_submission":
        return "handling that form"
    return "handling that request"
