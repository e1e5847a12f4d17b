"""The response_url sink: what Bolt's `respond()` posts to, and what the channel then shows.

Each URL (`POST /hooks/<id>`) remembers where it came from: the channel, the user and, for
a button, the message the button lives in. Like Slack, a URL works 5 times within 30 minutes
and the body decides the effect:

    {"delete_original": true}                     -> the button's message disappears
    {"replace_original": true, "text", "blocks"}  -> the button's message is replaced
    {"response_type": "in_channel", "text", ...}  -> a new message in the channel
    anything else                                 -> an ephemeral message for the user

Answers are plain text like Slack's: "ok", or the error code with a 4xx status.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from sandbox.slack_chat import message_content, thread_parent
from sandbox.slack_params import JSON, ApiError, flag
from sandbox.slack_state import Ephemeral, HookCall, HookTarget, Message, Workspace

HOOK_PATH = "/hooks/"
HOOK_LIFETIME = 30 * 60.0
HOOK_USES = 5


def issue(
    ws: Workspace,
    base_url: str,
    *,
    channel: str | None = None,
    message_ts: str | None = None,
    user_id: str | None = None,
    team_id: str | None = None,
) -> str:
    hook_id = f"{team_id or 'T'}/{ws.next_id('B')}/{secrets.token_hex(12)}"
    ws.hooks[hook_id] = HookTarget(channel, message_ts, user_id, team_id, issued_at=ws.now())
    return f"{base_url}{HOOK_PATH}{hook_id}"


def receive(ws: Workspace, hook_id: str, url: str, body: JSON | None) -> tuple[int, str]:
    """Apply one response_url post; returns (HTTP status, plain-text answer) and records it."""
    status, answer = _apply(ws, hook_id, body)
    ws.hook_calls.append(HookCall(hook_id, url, body or {}, ws.now(), status))
    return status, answer


def _apply(ws: Workspace, hook_id: str, body: JSON | None) -> tuple[int, str]:
    target = ws.hooks.get(hook_id)
    if target is None:
        return 404, "no_service"
    if ws.now() - target.issued_at > HOOK_LIFETIME:
        return 404, "expired_url"
    if target.uses >= HOOK_USES:
        return 404, "used_url"
    target.uses += 1
    if not isinstance(body, dict):
        return 400, "invalid_payload"
    original = ws.find_message(target.channel, target.message_ts) if target.channel and target.message_ts else None
    try:
        if flag(body, "delete_original"):
            if original is None:
                return 404, "message_not_found"
            ws.replace_message(original, None)
            return 200, "ok"
        text, blocks, attachments = message_content(body)
        if flag(body, "replace_original") and original is not None:
            ws.replace_message(original, replace(original, text=text, blocks=blocks or [], edited=True))
        elif body.get("response_type") == "in_channel" and target.channel:
            _post(ws, target, body, text, blocks or [], attachments or [])
        else:
            thread_ts = body.get("thread_ts") or (original.thread_ts if original else None)
            ws.ephemerals.append(Ephemeral(target.channel, target.user_id, ws.next_ts(), text, blocks or [], thread_ts))
    except ApiError as exc:
        return 400, exc.error
    return 200, "ok"


def _post(ws: Workspace, target: HookTarget, body: JSON, text: str, blocks: list, attachments: list) -> None:
    assert target.channel is not None
    team = ws.teams.get(target.team_id or "")
    ws.channel_messages(target.channel).append(
        Message(
            channel=target.channel,
            ts=ws.next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=thread_parent(ws, target.channel, body.get("thread_ts")),
            user=team.bot_user_id if team else None,
            bot_id=team.bot_id if team else None,
            attachments=attachments,
        )
    )
