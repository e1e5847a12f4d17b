"""views.open / views.push / views.update / views.publish, and the trigger ids they exchange.

A trigger id is handed out by the harness (`FakeSlack.issue_trigger_id`, which the driver
puts into slash command and button payloads). It is valid once and for 3 seconds on the
fake's clock: a late one answers `expired_trigger_id`, an unknown or already used one
`invalid_trigger_id`. Each user has one modal stack of at most 3 views.
"""

from __future__ import annotations

import secrets

from sandbox.slack_access import CallContext
from sandbox.slack_limits import view_problems
from sandbox.slack_params import JSON, ApiError, optional, structured, with_messages
from sandbox.slack_state import Trigger, View, Workspace

TRIGGER_LIFETIME = 3.0  # seconds
MAX_STACK = 3
UNKNOWN_TRIGGER = "invalid_trigger_id"
# Our notes name only expired/invalid; newer Slack docs may say "exchanged_trigger_id" for a
# second use. One constant to change if a workspace shows otherwise.
USED_TRIGGER = "invalid_trigger_id"


def issue_trigger(ws: Workspace, team_id: str | None = None, user_id: str | None = None) -> str:
    """A fresh trigger id in Slack's shape ("1764240000.17.0a1b2c3d")."""
    trigger_id = f"{int(ws.now())}.{ws.next_id('')}.{secrets.token_hex(4)}"
    ws.triggers[trigger_id] = Trigger(team_id, user_id, issued_at=ws.now())
    return trigger_id


def open_view(ctx: CallContext, params: JSON) -> JSON:
    trigger = _trigger(ctx, params)
    payload = _view_param(ctx, params, "modal")
    trigger.used = True
    view = _new_view(ctx, trigger.user_id, payload, previous=None)
    ctx.ws.stacks[(ctx.bot_team.id, trigger.user_id)] = [view.id]
    return {"view": view_json(ctx.ws, view)}


def push_view(ctx: CallContext, params: JSON) -> JSON:
    trigger = _trigger(ctx, params)
    payload = _view_param(ctx, params, "modal")
    stack = ctx.ws.stacks.setdefault((ctx.bot_team.id, trigger.user_id), [])
    if len(stack) >= MAX_STACK:
        raise ApiError("push_limit_reached")
    trigger.used = True
    view = _new_view(ctx, trigger.user_id, payload, previous=stack[-1] if stack else None)
    stack.append(view.id)
    return {"view": view_json(ctx.ws, view)}


def update_view(ctx: CallContext, params: JSON) -> JSON:
    """Replace a view found by `view_id` or `external_id`; a stale `hash` is a conflict."""
    ws = ctx.ws
    view_id, external_id = optional(params, "view_id"), optional(params, "external_id")
    if view_id is None and external_id is None:
        raise with_messages("invalid_arguments", ["[ERROR] either view_id or external_id is required"])
    view = ws.views.get(view_id) if view_id else _by_external_id(ws, external_id)
    if view is None or view.team_id != ctx.bot_team.id:
        raise ApiError("not_found")
    _check_hash(view, optional(params, "hash"))
    view.payload = _view_param(ctx, params, view.payload.get("type", "modal"), replacing=view)
    view.hash = _next_hash(ws)
    return {"view": view_json(ws, view)}


def publish_view(ctx: CallContext, params: JSON) -> JSON:
    """Set a user's App Home; the view id stays the same across publishes."""
    ws, team = ctx.ws, ctx.bot_team
    user_id = optional(params, "user_id")
    if user_id is None:
        raise with_messages("invalid_arguments", ["[ERROR] missing required field: user_id"])
    if user_id not in ws.users:
        raise ApiError("user_not_found")
    payload = _view_param(ctx, params, "home")
    existing = ws.views.get(ws.homes.get((team.id, user_id), ""))
    if existing is None:
        existing = _new_view(ctx, user_id, payload, previous=None)
        ws.homes[(team.id, user_id)] = existing.id
    else:
        _check_hash(existing, optional(params, "hash"))
        existing.payload = payload
        existing.hash = _next_hash(ws)
    return {"view": view_json(ws, existing)}


def view_json(ws: Workspace, view: View) -> JSON:
    """A view as Slack returns it (and as it appears in interaction payloads)."""
    p = view.payload
    team = ws.teams.get(view.team_id)
    out: JSON = {
        "id": view.id,
        "team_id": view.team_id,
        "type": p.get("type", "modal"),
        "blocks": p.get("blocks", []),
        "private_metadata": p.get("private_metadata", ""),
        "callback_id": p.get("callback_id", ""),
        "state": {"values": {}},
        "hash": view.hash,
        "clear_on_close": bool(p.get("clear_on_close", False)),
        "notify_on_close": bool(p.get("notify_on_close", False)),
        "root_view_id": view.root_view_id,
        "previous_view_id": view.previous_view_id,
        "app_id": ws.app.app_id,
        "external_id": p.get("external_id", ""),
        "app_installed_team_id": view.team_id,
        "bot_id": team.bot_id if team else None,
    }
    for key in ("title", "submit", "close"):
        out[key] = p.get(key)
    return out


def _trigger(ctx: CallContext, params: JSON) -> Trigger:
    trigger_id = optional(params, "trigger_id") or optional(params, "interactivity_pointer")
    if trigger_id is None:
        raise with_messages("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
    trigger = ctx.ws.triggers.get(trigger_id)
    if trigger is None or trigger.team_id not in (None, ctx.bot_team.id):
        raise ApiError(UNKNOWN_TRIGGER)
    if trigger.used:
        raise ApiError(USED_TRIGGER)
    if ctx.ws.now() - trigger.issued_at > TRIGGER_LIFETIME:
        raise ApiError("expired_trigger_id")
    return trigger


def _view_param(ctx: CallContext, params: JSON, kind: str, replacing: View | None = None) -> JSON:
    view = structured(params, "view", "invalid_arguments")
    if view is None:
        raise with_messages("invalid_arguments", ["[ERROR] missing required field: view"])
    problems = view_problems(view)
    if isinstance(view, dict) and view.get("type") != kind:
        problems.append(f"[ERROR] must be {kind} [json-pointer:/view/type]")
    if problems:
        raise with_messages("invalid_arguments", problems)
    external_id = view.get("external_id")
    if external_id:
        other = _by_external_id(ctx.ws, external_id)
        if other is not None and other is not replacing:
            raise ApiError("duplicate_external_id")
    return view


def _new_view(ctx: CallContext, user_id: str | None, payload: JSON, previous: str | None) -> View:
    ws = ctx.ws
    view_id = ws.next_id("V")
    root = ws.views[previous].root_view_id if previous else view_id
    view = View(view_id, ctx.bot_team.id, user_id, payload, _next_hash(ws), root, previous)
    ws.views[view_id] = view
    return view


def _by_external_id(ws: Workspace, external_id: str | None) -> View | None:
    return next((v for v in ws.views.values() if external_id and v.payload.get("external_id") == external_id), None)


def _check_hash(view: View, given: str | None) -> None:
    if given is not None and given != view.hash:
        raise ApiError("hash_conflict")


def _next_hash(ws: Workspace) -> str:
    return f"{int(ws.now())}.{ws.next_id('')}"
