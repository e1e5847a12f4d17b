"""Fake NinjaOne Public API v2: organisations and devices, read with an OAuth2 client-credentials token.

    POST /ninjaone/ws/oauth/token          (also /ninjaone/oauth/token) form body, scope=monitoring
    GET  /ninjaone/v2/organizations[-detailed]    ?pageSize=&after=
    GET  /ninjaone/v2/organization/{id}
    GET  /ninjaone/v2/organization/{id}/devices   ?pageSize=&after=
    GET  /ninjaone/v2/devices[-detailed]          ?pageSize=&after=&df=
    GET  /ninjaone/v2/device/{id}

Lists are bare arrays ordered by id, paged by the `after` id cursor; no `pageSize` means
everything. Tokens live 3600 s (`server.tokens["ninjaone"]`); a missing, unknown or expired
bearer token is a 401. Token errors use the OAuth shape `{"error", "error_description"}`,
everything else `{"resultCode": "FAILURE", "errorMessage", "incidentId"}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from sandbox import ninjaone_json as render
from sandbox.device_filter import FilterError, device_filter
from sandbox.model import World
from sandbox.paging import after_cursor
from sandbox.routing import Call, Incoming, Reply, Route, Vendor, once_per_world
from sandbox.tokens import TokenIssuer

PREFIX = "/ninjaone"
CLIENT_ID = "sbx-ninjaone-6Qm2xT9pLr"
CLIENT_SECRET = "sbx-ninjaone-secret-Vd83kPq1Zs7wYb5N"
SCOPE = "monitoring"
TOKEN_LIFETIME = 3600.0

JSON = dict[str, Any]


def settings(base_url: str) -> dict[str, str]:
    return {"base_url": base_url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


# -- how NinjaOne says no -------------------------------------------------------------------------

def error(incoming: Incoming, status: int, message: str) -> Reply:
    incident = uuid.uuid5(uuid.NAMESPACE_URL, f"{status}:{incoming.method}:{incoming.path}:{message}")
    return Reply(status, {"resultCode": "FAILURE", "errorMessage": message, "incidentId": str(incident)})


def refuse(incoming: Incoming) -> Reply:
    reply = error(incoming, 401, "Unauthorized: the access token is missing, invalid or expired")
    reply.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return reply


def oauth_error(status: int, code: str, description: str) -> Reply:
    return Reply(status, {"error": code, "error_description": description}, {"Cache-Control": "no-store"})


def refuse_token(_: Incoming) -> Reply:
    return oauth_error(401, "invalid_client", "Bad client credentials")


def authenticate(incoming: Incoming, tokens: TokenIssuer | None) -> Reply | None:
    scheme, _, token = (incoming.header("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or tokens is None or not tokens.valid(token.strip()):
        return refuse(incoming)
    return None


def too_many(incoming: Incoming, seconds: int) -> Reply:
    reply = error(incoming, 429, "Too many requests")
    reply.headers["Retry-After"] = str(seconds)
    return reply


# -- route functions ------------------------------------------------------------------------------

def token(call: Call) -> Reply:
    """The client-credentials grant: form-encoded, this app's id and secret, scope `monitoring` only."""
    incoming = call.incoming
    if "application/x-www-form-urlencoded" not in (incoming.header("Content-Type") or ""):
        return oauth_error(400, "invalid_request", "The token request must be form-encoded")
    form = {k: v[0] for k, v in parse_qs(incoming.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    if form.get("grant_type") != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {form.get('grant_type')}")
    if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
        return refuse_token(incoming)
    if set(form.get("scope", "").split()) != {SCOPE}:
        return oauth_error(400, "invalid_scope", f"Invalid scope: {form.get('scope', '')!r}; this app has monitoring")
    assert call.tokens is not None
    return Reply(200, {"access_token": call.tokens.issue(), "token_type": "Bearer",
                       "expires_in": int(call.tokens.lifetime), "scope": SCOPE}, {"Cache-Control": "no-store"})


def listing(records: Callable[[Call], list[JSON]]) -> Callable[[Call], Reply]:
    """A list route: the `after` id cursor and `pageSize` over records ordered by id."""

    def route(call: Call) -> Reply:
        try:
            after, size = _number(call.incoming, "after"), _number(call.incoming, "pageSize")
            rows = records(call)
        except (ValueError, FilterError) as problem:
            return error(call.incoming, 400, str(problem))
        if size is not None and size < 1:
            return error(call.incoming, 400, "pageSize must be at least 1")
        return Reply(200, after_cursor(call.keep(sorted(rows, key=lambda r: r["id"])), after, size))

    return route


@once_per_world
def _organizations(world: World) -> list[JSON]:
    return [render.organization(o) for o in world.ninjaone.organizations]


@once_per_world
def _organizations_detailed(world: World) -> list[JSON]:
    return [render.organization_detailed(o) for o in world.ninjaone.organizations]


@once_per_world
def _devices(world: World) -> tuple[list[JSON], list[JSON]]:
    """Every device, plain and detailed."""
    return ([render.device(d) for d in world.ninjaone.devices],
            [render.device_detailed(d) for d in world.ninjaone.devices])


def organizations(call: Call) -> list[JSON]:
    return _organizations(call.world)


def organizations_detailed(call: Call) -> list[JSON]:
    return _organizations_detailed(call.world)


def devices(detailed: bool) -> Callable[[Call], list[JSON]]:
    def rows(call: Call) -> list[JSON]:
        found = _devices(call.world)[1 if detailed else 0]
        text = call.incoming.arg("df")
        return [d for d in found if device_filter(text)(d)] if text else found

    return rows


def organization_devices(call: Call) -> list[JSON]:
    org = _org_id(call)
    return [d for d in _devices(call.world)[0] if d["organizationId"] == org]


def organization(call: Call) -> Reply:
    found = next((o for o in call.world.ninjaone.organizations if o.id == _org_id(call)), None)
    if found is None:
        return error(call.incoming, 404, "Organization not found")
    return Reply(200, render.organization_detailed(found))


def one_device(call: Call) -> Reply:
    wanted = call.params["id"]
    found = next((d for d in _devices(call.world)[1] if str(d["id"]) == wanted), None)
    if found is None:
        return error(call.incoming, 404, "Device not found")
    return Reply(200, found)


def _org_id(call: Call) -> int | None:
    return int(call.params["id"]) if call.params["id"].isdigit() else None


def _number(incoming: Incoming, name: str) -> int | None:
    text = incoming.query.get(name, [None])[0]
    if text in (None, ""):
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None


def _org_devices_route(call: Call) -> Reply:
    if not any(o.id == _org_id(call) for o in call.world.ninjaone.organizations):
        return error(call.incoming, 404, "Organization not found")
    return listing(organization_devices)(call)


VENDOR = Vendor(
    name="ninjaone", prefix=PREFIX, api_root="",
    routes=(
        Route("POST", "/ws/oauth/token", token, kind="token"),
        Route("POST", "/oauth/token", token, kind="token"),
        Route("GET", "/v2/organizations", listing(organizations), listing=True),
        Route("GET", "/v2/organizations-detailed", listing(organizations_detailed), listing=True),
        Route("GET", "/v2/organization/{id}/devices", _org_devices_route, listing=True),
        Route("GET", "/v2/organization/{id}", organization),
        Route("GET", "/v2/devices", listing(devices(detailed=False)), listing=True),
        Route("GET", "/v2/devices-detailed", listing(devices(detailed=True)), listing=True),
        Route("GET", "/v2/device/{id}", one_device),
    ),
    authenticate=authenticate, refuse=refuse, refuse_token=refuse_token, error=error, too_many=too_many,
    settings=settings, token_lifetime=TOKEN_LIFETIME,
)
