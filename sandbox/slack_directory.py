"""Read-only lookups over the seeded workspace: auth.test, conversations.*, users.*, team.info.

Answers carry the fields Bolt and our services read (Bolt builds its AuthorizeResult from
auth.test's team_id / user_id / bot_id and the `x-oauth-scopes` response header, which the
server adds to every authenticated answer).
"""

from __future__ import annotations

from sandbox.slack_access import CallContext, reaches, require_scope, visible_channel
from sandbox.slack_params import JSON, ApiError, optional
from sandbox.slack_state import Channel, Team, User


def auth_test(ctx: CallContext, params: JSON) -> JSON:
    """Who the token is; an org-wide token names its org (the enterprise id) as its team."""
    team = ctx.bot_team
    bot_user = ctx.ws.users.get(team.bot_user_id)
    return {
        "url": f"https://{team.domain}.{'enterprise.' if team.org_wide else ''}slack.com/",
        "team": team.name,
        "user": bot_user.name if bot_user else "billrec",
        "team_id": team.id,
        "user_id": team.bot_user_id,
        "bot_id": team.bot_id,
        "enterprise_id": team.enterprise_id,
        "is_enterprise_install": team.org_wide,
    }


def conversations_info(ctx: CallContext, params: JSON) -> JSON:
    channel = _readable_channel(ctx, params)
    return {"channel": channel_json(channel, ctx.bot_team)}


def conversations_list(ctx: CallContext, params: JSON) -> JSON:
    """Channels the bot's team can see: public ones, and private ones the bot is in (as Slack does),
    in pages of `limit` with a `next_cursor`."""
    types = (optional(params, "types") or "public_channel").split(",")
    require_scope(ctx.bot_team, "channels:read")
    archived_too = str(optional(params, "exclude_archived") or "false").lower() not in ("true", "1")
    team = ctx.bot_team
    seen = [c for c in sorted(ctx.ws.channels.values(), key=lambda c: c.id)
            if reaches(ctx.ws, team, c.team_id) and (archived_too or not c.is_archived)
            and (("private_channel" in types and c.is_private and team.bot_user_id in c.members)
                 or ("public_channel" in types and not c.is_private))]
    start, limit = int(optional(params, "cursor") or 0), int(optional(params, "limit") or 100)
    page = seen[start:start + limit]
    following = str(start + limit) if start + limit < len(seen) else ""
    return {"channels": [channel_json(c, team) for c in page], "response_metadata": {"next_cursor": following}}


def conversations_members(ctx: CallContext, params: JSON) -> JSON:
    channel = _readable_channel(ctx, params)
    return {"members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}


def users_info(ctx: CallContext, params: JSON) -> JSON:
    require_scope(ctx.bot_team, "users:read")
    user = ctx.ws.users.get(optional(params, "user") or "")
    if user is None or not reaches(ctx.ws, ctx.bot_team, user.team_id):
        raise ApiError("user_not_found")
    return {"user": user_json(user, ctx.bot_team)}


def users_list(ctx: CallContext, params: JSON) -> JSON:
    """The people the bot's team can see, in pages of `limit` with a `next_cursor` (as conversations.list)."""
    require_scope(ctx.bot_team, "users:read")
    seen = [u for u in sorted(ctx.ws.users.values(), key=lambda u: u.id) if reaches(ctx.ws, ctx.bot_team, u.team_id)]
    start, limit = int(optional(params, "cursor") or 0), int(optional(params, "limit") or 100)
    following = str(start + limit) if start + limit < len(seen) else ""
    return {"members": [user_json(u, ctx.bot_team) for u in seen[start:start + limit]],
            "response_metadata": {"next_cursor": following}}


def users_lookup_by_email(ctx: CallContext, params: JSON) -> JSON:
    """One person by e-mail address; Slack asks for `users:read.email` and answers `users_not_found`."""
    require_scope(ctx.bot_team, "users:read.email")
    wanted = (optional(params, "email") or "").strip().lower()
    if not wanted:
        raise ApiError("invalid_arguments")
    for user in ctx.ws.users.values():
        if user.email and user.email.lower() == wanted and reaches(ctx.ws, ctx.bot_team, user.team_id):
            return {"user": user_json(user, ctx.bot_team)}
    raise ApiError("users_not_found")


def team_info(ctx: CallContext, params: JSON) -> JSON:
    team = ctx.bot_team
    require_scope(team, "team:read")
    return {
        "team": {
            "id": team.id,
            "name": team.name,
            "domain": team.domain,
            "email_domain": "",
            "icon": {"image_default": True},
            "enterprise_id": team.enterprise_id,
        }
    }


def channel_json(channel: Channel, team: Team) -> JSON:
    return {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_general": channel.name == "general",
        "is_member": team.bot_user_id in channel.members,
        "is_shared": False,
        "is_ext_shared": False,
        "context_team_id": team.id,
        "num_members": len(channel.members),
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }


def user_json(user: User, team: Team) -> JSON:
    real_name = user.real_name or user.name
    return {
        "id": user.id,
        "team_id": user.team_id or team.id,
        "name": user.name,
        "deleted": False,
        "real_name": real_name,
        "tz": "Europe/Amsterdam",
        "is_admin": user.is_admin,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "profile": {"real_name": real_name, "display_name": user.name,
                    # Slack shows the address only to a token with users:read.email
                    **({"email": user.email} if user.email and "users:read.email" in team.scopes else {})},
    }


def _readable_channel(ctx: CallContext, params: JSON) -> Channel:
    channel = visible_channel(ctx, optional(params, "channel"))
    require_scope(ctx.bot_team, "groups:read" if channel.is_private else "channels:read")
    return channel
