"""conversations.history and conversations.replies: reading back what a channel holds.

The digest reads its own thread after a crash or an unclear answer (a 5xx, a timeout) to learn
whether a post it cannot confirm landed, instead of posting it again. Like Slack: the bot must
be a member; `channels:history` (public) or `groups:history` (private) is required; history
lists top-level messages newest first, replies lists the parent and then its replies oldest
first. Files shared with the v2 upload flow appear as messages carrying a `files` list (their
`text` is the initial comment), as they do in Slack.
"""

from __future__ import annotations

from sandbox.slack_access import CallContext, require_scope, visible_channel
from sandbox.slack_chat import message_json
from sandbox.slack_params import JSON, ApiError, optional, required
from sandbox.slack_state import Channel, SharedFile

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def history(ctx: CallContext, params: JSON) -> JSON:
    channel = _member_channel(ctx, params)
    oldest, latest = float(optional(params, "oldest") or 0), float(optional(params, "latest") or "inf")
    items = [item for item in _items(ctx, channel) if item.get("thread_ts") in (None, item["ts"])
             or item.get("subtype") == "thread_broadcast"]
    items = [item for item in items if oldest < float(item["ts"]) <= latest]
    items.sort(key=lambda item: float(item["ts"]), reverse=True)
    return _page(items, params)


def replies(ctx: CallContext, params: JSON) -> JSON:
    channel = _member_channel(ctx, params)
    ts = required(params, "ts")
    parent = ctx.ws.find_message(channel.id, ts)
    if parent is None:
        raise ApiError("thread_not_found")
    thread = [item for item in _items(ctx, channel) if item["ts"] == parent.ts or item.get("thread_ts") == parent.ts]
    thread.sort(key=lambda item: float(item["ts"]))
    return _page(thread, params)


def _member_channel(ctx: CallContext, params: JSON) -> Channel:
    channel = visible_channel(ctx, optional(params, "channel"))
    require_scope(ctx.bot_team, "groups:history" if channel.is_private else "channels:history")
    if ctx.bot_team.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def _items(ctx: CallContext, channel: Channel) -> list[JSON]:
    messages = [message_json(ctx.ws, m, ctx.bot_team) for m in ctx.ws.channel_messages(channel.id)]
    files = [_file_message(f) for f in ctx.ws.files if f.channel == channel.id]
    return messages + files


def _file_message(shared: SharedFile) -> JSON:
    out: JSON = {"type": "message", "user": shared.user, "text": shared.initial_comment or "", "ts": shared.ts,
                 "upload": True, "files": [{"id": shared.id, "name": shared.filename, "title": shared.title}]}
    if shared.thread_ts:
        out["thread_ts"] = shared.thread_ts
    return out


def _page(items: list[JSON], params: JSON) -> JSON:
    limit = min(int(optional(params, "limit") or DEFAULT_LIMIT), MAX_LIMIT)
    start = int(optional(params, "cursor") or 0)
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return {"messages": chunk, "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""}}
