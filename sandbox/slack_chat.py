"""chat.postMessage, chat.postEphemeral and chat.update, with the checks Slack makes first.

Stricter than Slack in one place on purpose: a `thread_ts` that names a reply (not a parent)
answers `invalid_thread_ts`, and one that names no message answers `thread_not_found`. Slack
itself accepts both and the reply lands somewhere nobody looks, which is the bug we want
tests to catch.
"""

from __future__ import annotations

from typing import Any

from sandbox import slack_limits as limits
from sandbox.slack_access import CallContext, require_scope, visible_channel, writable_channel
from sandbox.slack_params import JSON, ApiError, flag, optional, required, structured, with_messages
from sandbox.slack_state import Ephemeral, Message, Team, Workspace


def post_message(ctx: CallContext, params: JSON) -> JSON:
    team = ctx.bot_team
    require_scope(team, "chat:write")
    channel = writable_channel(ctx, optional(params, "channel"), public_ok=True)
    retry_after = ctx.ws.post_limiter.take(channel.id)
    if retry_after is not None:
        raise ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
    text, blocks, attachments = message_content(params)
    message = Message(
        channel=channel.id,
        ts=ctx.ws.next_ts(),
        text=text,
        blocks=blocks or [],
        thread_ts=thread_parent(ctx.ws, channel.id, optional(params, "thread_ts")),
        user=team.bot_user_id,
        bot_id=team.bot_id,
        attachments=attachments or [],
        reply_broadcast=flag(params, "reply_broadcast"),
    )
    ctx.ws.channel_messages(channel.id).append(message)
    return {"channel": channel.id, "ts": message.ts, "message": message_json(ctx.ws, message, team)}


def post_ephemeral(ctx: CallContext, params: JSON) -> JSON:
    require_scope(ctx.bot_team, "chat:write")
    channel = writable_channel(ctx, optional(params, "channel"), public_ok=True)
    user = required(params, "user")
    if user not in ctx.ws.users:
        raise ApiError("user_not_found")
    if user not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks, _ = message_content(params)
    thread_ts = thread_parent(ctx.ws, channel.id, optional(params, "thread_ts"))
    ephemeral = Ephemeral(channel.id, user, ctx.ws.next_ts(), text, blocks or [], thread_ts)
    ctx.ws.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral.ts}


def update(ctx: CallContext, params: JSON) -> JSON:
    """Replace a message's text and blocks; omitted blocks are kept, `blocks=[]` removes them."""
    team = ctx.bot_team
    require_scope(team, "chat:write")
    channel = visible_channel(ctx, optional(params, "channel"))
    old = ctx.ws.find_message(channel.id, optional(params, "ts") or "")
    if old is None:
        raise ApiError("message_not_found")
    if old.bot_id != team.bot_id:
        raise ApiError("cant_update_message")
    text, blocks, attachments = message_content(params, updating=True)
    new = Message(
        channel=old.channel,
        ts=old.ts,
        text=text if "text" in params else old.text,
        blocks=old.blocks if blocks is None else blocks,
        thread_ts=old.thread_ts,
        user=old.user,
        bot_id=old.bot_id,
        attachments=old.attachments if attachments is None else attachments,
        edited=True,
        reply_broadcast=old.reply_broadcast,
    )
    ctx.ws.replace_message(old, new)
    return {"channel": channel.id, "ts": new.ts, "text": new.text, "message": message_json(ctx.ws, new, team)}


def message_content(params: JSON, *, updating: bool = False) -> tuple[str, Any, Any]:
    """Text, blocks and attachments of a message, checked against Slack's message limits."""
    text = str(params.get("text") or params.get("markdown_text") or "")
    blocks = structured(params, "blocks", "invalid_blocks_format")
    attachments = structured(params, "attachments", "invalid_attachments")
    if not updating and not text.strip() and not blocks and not attachments:
        raise ApiError("no_text")
    if len(text) > limits.MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    if blocks is not None:
        problems = limits.message_problems(blocks)
        if problems:
            raise with_messages("invalid_blocks", problems)
        if limits.block_text_length(blocks) > limits.MESSAGE_BLOCK_TEXT:
            raise ApiError("msg_blocks_too_long")
    return text, blocks, attachments


def thread_parent(ws: Workspace, channel_id: str, thread_ts: str | None) -> str | None:
    """The parent ts for a reply; replies to replies and unknown parents are refused."""
    if thread_ts is None:
        return None
    parent = ws.find_message(channel_id, thread_ts)
    if parent is None:
        raise ApiError("thread_not_found")
    if parent.is_reply:
        raise ApiError("invalid_thread_ts")
    return parent.ts


def message_json(ws: Workspace, message: Message, team: Team) -> JSON:
    """A message as Slack returns it in `chat.postMessage`'s `message`."""
    out: JSON = {
        "type": "message",
        "user": message.user,
        "bot_id": message.bot_id,
        "app_id": ws.app.app_id,
        "text": message.text,
        "ts": message.ts,
        "team": team.id,
        "blocks": message.blocks,
    }
    if message.thread_ts:
        out["thread_ts"] = message.thread_ts
    if message.attachments:
        out["attachments"] = message.attachments
    if message.edited:
        out["edited"] = {"user": message.user, "ts": message.ts}
    return out
