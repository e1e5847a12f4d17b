"""oauth.v2.access: the code grant at install time and the refresh grant of token rotation.

The harness plays the user who clicks "Allow": `issue_code` returns the code Slack would
put on the redirect URL. Codes and refresh tokens are single use. With token rotation on,
bot tokens look like "xoxe.xoxb-…", expire after `token_lifetime` seconds on the fake's clock
(then `token_expired`), and come with a refresh token; the previous access token keeps
working until it expires, as in Slack.

Enterprise Grid: a workspace of an org answers with its `enterprise`; an org-wide install
(`FakeSlack.add_org`) answers `team: null`, its `enterprise` and `is_enterprise_install: true`,
as Slack documents for org-wide apps (api.slack.com/enterprise/apps/reference).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import secrets

from sandbox.slack_params import JSON, ApiError, optional
from sandbox.slack_state import OAuthCode, Team, TokenInfo, Workspace

CODE_LIFETIME = 600.0  # seconds


def issue_code(
    ws: Workspace,
    team_id: str,
    user_id: str,
    scopes: tuple[str, ...] | None = None,
    redirect_uri: str | None = None,
) -> str:
    if team_id not in ws.teams:
        raise KeyError(f"unknown team {team_id}; add_team() it first")
    code = f"{int(ws.now())}.{secrets.token_hex(8)}"
    ws.oauth_codes[code] = OAuthCode(team_id, user_id, scopes or ws.teams[team_id].scopes, redirect_uri, ws.now())
    return code


def access(ws: Workspace, headers: dict[str, str], params: JSON) -> JSON:
    _check_client(ws, headers, params)
    if optional(params, "grant_type") == "refresh_token":
        return _refresh(ws, optional(params, "refresh_token"))
    return _exchange_code(ws, optional(params, "code"), optional(params, "redirect_uri"))


def _check_client(ws: Workspace, headers: dict[str, str], params: JSON) -> None:
    """HTTP Basic client_id:client_secret (Slack also accepts them as form fields)."""
    client_id, client_secret = optional(params, "client_id"), optional(params, "client_secret")
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ApiError("invalid_client_id") from exc
    if client_id != ws.app.client_id:
        raise ApiError("invalid_client_id")
    if client_secret != ws.app.client_secret:
        raise ApiError("bad_client_secret")


def _exchange_code(ws: Workspace, code: str | None, redirect_uri: str | None) -> JSON:
    grant = ws.oauth_codes.get(code or "")
    if grant is None or grant.used or ws.now() - grant.issued_at > CODE_LIFETIME:
        raise ApiError("invalid_code")
    if grant.redirect_uri and redirect_uri and redirect_uri != grant.redirect_uri:
        raise ApiError("bad_redirect_uri")
    grant.used = True
    team = dataclasses.replace(ws.teams[grant.team_id], scopes=tuple(grant.scopes))
    ws.teams[team.id] = team
    answer = _token_answer(ws, team)
    answer["authed_user"] = {"id": grant.user_id}
    return answer


def _refresh(ws: Workspace, refresh_token: str | None) -> JSON:
    team_id = ws.refresh_tokens.pop(refresh_token or "", None)
    if team_id is None or team_id not in ws.teams:
        raise ApiError("invalid_refresh_token")
    return _token_answer(ws, ws.teams[team_id], rotate=True)


def _token_answer(ws: Workspace, team: Team, rotate: bool = False) -> JSON:
    answer: JSON = {
        "app_id": ws.app.app_id,
        "scope": ",".join(team.scopes),
        "token_type": "bot",
        "bot_user_id": team.bot_user_id,
        **_installed_where(ws, team),
    }
    if not (rotate or ws.app.token_rotation):
        answer["access_token"] = _long_lived_token(ws, team)
        return answer
    token = f"xoxe.xoxb-1-{secrets.token_hex(12)}"
    refresh = f"xoxe-1-{secrets.token_hex(16)}"
    ws.tokens[token] = TokenInfo(team.id, expires_at=ws.now() + ws.app.token_lifetime)
    ws.refresh_tokens[refresh] = team.id
    answer.update(access_token=token, refresh_token=refresh, expires_in=ws.app.token_lifetime)
    return answer


def _installed_where(ws: Workspace, team: Team) -> JSON:
    """Slack's `team`, `enterprise` and `is_enterprise_install`: an org-wide install names no team."""
    if team.org_wide:
        return {"team": None, "enterprise": {"id": team.id, "name": team.name}, "is_enterprise_install": True}
    enterprise = None
    if team.enterprise_id:
        org = ws.teams.get(team.enterprise_id)
        enterprise = {"id": team.enterprise_id, "name": org.name if org else team.enterprise_id}
    return {"team": {"id": team.id, "name": team.name}, "enterprise": enterprise, "is_enterprise_install": False}


def _long_lived_token(ws: Workspace, team: Team) -> str:
    """Without rotation Slack hands back the team's one bot token (the one add_team seeded)."""
    for token, info in ws.tokens.items():
        if info.team_id == team.id and info.expires_at is None and not info.revoked:
            return token
    token = f"xoxb-{team.id}-{secrets.token_hex(8)}"
    ws.tokens[token] = TokenInfo(team.id)
    return token
