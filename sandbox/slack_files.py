"""The three steps of `files_upload_v2`: announce, upload the bytes, complete and share.

    files.getUploadURLExternal(filename, length)  -> {upload_url, file_id}
    POST <upload_url> with the raw bytes           -> "OK - <length>"   (no auth header)
    files.completeUploadExternal(files='[{"id", "title"}]', channel_id, thread_ts, ...)
                                                   -> {files: [...]}

The upload sink accepts any content type (urllib sends the bytes as form-urlencoded) and
refuses bytes whose length differs from the announced one, which real Slack turns into a
broken file. Sharing needs channel membership; chat:write.public does not cover files.
"""

from __future__ import annotations

import mimetypes

from sandbox.slack_access import CallContext, require_scope, writable_channel
from sandbox.slack_chat import thread_parent
from sandbox.slack_params import JSON, ApiError, optional, required, structured, with_messages
from sandbox.slack_state import PendingUpload, SharedFile, Workspace

UPLOAD_PATH = "/upload/v1/"


def get_upload_url(ctx: CallContext, params: JSON) -> JSON:
    team = ctx.bot_team
    require_scope(team, "files:write")
    filename = required(params, "filename")
    try:
        length = int(required(params, "length"))
    except ValueError as exc:
        raise with_messages("invalid_arguments", ["[ERROR] length must be an integer"]) from exc
    if length < 0:
        raise with_messages("invalid_arguments", ["[ERROR] length must not be negative"])
    file_id = ctx.ws.next_id("F")
    ctx.ws.uploads[file_id] = PendingUpload(team.id, filename, length)
    return {"upload_url": f"{ctx.base_url}{UPLOAD_PATH}{file_id}", "file_id": file_id}


def receive_upload(ws: Workspace, file_id: str, content: bytes) -> tuple[int, str]:
    """The raw upload sink: (HTTP status, plain-text body)."""
    pending = ws.uploads.get(file_id)
    if pending is None:
        return 404, "file not found"
    if len(content) != pending.length:
        return 400, f"length mismatch: announced {pending.length}, received {len(content)}"
    pending.content = content
    return 200, f"OK - {len(content)}"


def complete_upload(ctx: CallContext, params: JSON) -> JSON:
    ws, team = ctx.ws, ctx.bot_team
    require_scope(team, "files:write")
    items = structured(params, "files", "invalid_arguments")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("id") for i in items):
        raise with_messages("invalid_arguments", ['[ERROR] files must be a JSON list of {"id", "title"}'])
    uploads = []
    for item in items:
        pending = ws.uploads.get(item["id"])
        if pending is None or pending.team_id != team.id or pending.content is None:
            raise ApiError("file_not_found")
        uploads.append((item, pending))

    named = [optional(params, "channel_id"), *(optional(params, "channels") or "").split(",")]
    channel_ids = [c for c in named if c]
    channels = [writable_channel(ctx, c, public_ok=False) for c in dict.fromkeys(channel_ids)]
    thread_ts = optional(params, "thread_ts")
    if thread_ts is not None and len(channels) != 1:
        raise with_messages("invalid_arguments", ["[ERROR] thread_ts needs exactly one channel"])
    parent = thread_parent(ws, channels[0].id, thread_ts) if thread_ts else None

    answered = []
    for item, pending in uploads:
        del ws.uploads[item["id"]]
        title = item.get("title") or pending.filename
        for channel in channels:
            ws.files.append(
                SharedFile(
                    id=item["id"],
                    channel=channel.id,
                    filename=pending.filename,
                    title=title,
                    content=pending.content or b"",
                    ts=ws.next_ts(),
                    thread_ts=parent,
                    initial_comment=optional(params, "initial_comment"),
                    user=team.bot_user_id,
                )
            )
        answered.append(_file_json(ctx, item["id"], pending, title))
    return {"files": answered}


def _file_json(ctx: CallContext, file_id: str, pending: PendingUpload, title: str) -> JSON:
    """The file object; `shares` is empty because Slack shares asynchronously."""
    mimetype = mimetypes.guess_type(pending.filename)[0] or "application/octet-stream"
    now = int(ctx.ws.now())
    return {
        "id": file_id,
        "created": now,
        "timestamp": now,
        "name": pending.filename,
        "title": title,
        "mimetype": mimetype,
        "filetype": pending.filename.rsplit(".", 1)[-1] if "." in pending.filename else "binary",
        "user": ctx.bot_team.bot_user_id,
        "user_team": ctx.bot_team.id,
        "size": pending.length,
        "mode": "hosted",
        "is_external": False,
        "is_public": False,
        "url_private": f"{ctx.base_url}/files/{file_id}/{pending.filename}",
        "permalink": f"{ctx.base_url}/files/{file_id}",
        "shares": {},
        "channels": [],
        "groups": [],
        "ims": [],
        "has_more_shares": False,
        "file_access": "visible",
    }
