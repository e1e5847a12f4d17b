"""Who is calling and what they may touch: bearer token → team, scopes, channel membership.

Every Web API method except oauth.v2.access needs `Authorization: Bearer xox…` naming a token
the fake issued (via `add_team` or an OAuth grant). The rules follow Slack's answers:
no header → `not_authed`; unknown token → `invalid_auth`; after expiry → `token_expired`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.slack_params import ApiError
from sandbox.slack_state import Channel, Team, Workspace


@dataclass(frozen=True)
class CallContext:
    """What a method handler gets besides its params."""

    ws: Workspace
    team: Team | None  # None only for oauth.v2.access
    token: str | None
    base_url: str  # "http://127.0.0.1:PORT", for URLs that point back at the fake
    headers: dict[str, str]

    @property
    def bot_team(self) -> Team:
        assert self.team is not None, "authenticated method called without a team"
        return self.team


def authenticate(ws: Workspace, headers: dict[str, str]) -> tuple[Team, str]:
    """The team and token behind a request's bearer token."""
    value = headers.get("authorization", "")
    if not value:
        raise ApiError("not_authed")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("xox"):
        raise ApiError("invalid_auth")
    info = ws.tokens.get(token)
    if info is None:
        raise ApiError("invalid_auth")
    if info.revoked:
        raise ApiError("token_revoked")
    if info.expires_at is not None and ws.now() >= info.expires_at:
        raise ApiError("token_expired")
    team = ws.teams.get(info.team_id)
    if team is None:
        raise ApiError("account_inactive")
    return team, token


def require_scope(team: Team, scope: str) -> None:
    if scope not in team.scopes:
        raise ApiError("missing_scope", needed=scope, provided=",".join(team.scopes))


def reaches(ws: Workspace, team: Team, team_id: str | None) -> bool:
    """Whether `team`'s token may touch what belongs to `team_id` (None: shared by every team).

    A workspace token reaches its own workspace; an org-wide token every workspace of its org.
    """
    if team_id is None or team_id == team.id:
        return True
    owner = ws.teams.get(team_id)
    return team.org_wide and owner is not None and owner.enterprise_id == team.id


def visible_channel(ctx: CallContext, channel_id: str | None) -> Channel:
    """A channel the calling team can see (by id, or by name as chat.postMessage allows)."""
    if not channel_id:
        raise ApiError("channel_not_found")
    ws = ctx.ws
    channel = ws.channels.get(channel_id)
    if channel is None:
        name = channel_id.lstrip("#")
        channel = next((c for c in ws.channels.values() if c.name == name), None)
    if channel is None or not reaches(ws, ctx.bot_team, channel.team_id):
        raise ApiError("channel_not_found")
    return channel


def writable_channel(ctx: CallContext, channel_id: str | None, *, public_ok: bool) -> Channel:
    """A channel the bot may post into.

    Args:
        public_ok: True where chat:write.public lets the bot post to a public channel it has
            not joined (chat.* methods); False for file shares, which always need membership.
    """
    channel = visible_channel(ctx, channel_id)
    if channel.is_archived:
        raise ApiError("is_archived")
    team = ctx.bot_team
    if team.bot_user_id in channel.members:
        return channel
    if public_ok and not channel.is_private and "chat:write.public" in team.scopes:
        return channel
    raise ApiError("not_in_channel")
