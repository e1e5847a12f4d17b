"""Fake ConnectWise PSA (Manage) REST API 3.0: companies, agreements, additions, catalog; GET only.

    GET /connectwise/login/companyinfo/{companyId}              discovery, no auth
    GET /connectwise/v4_6_release/apis/3.0/system/info          smoke test
    GET …/company/companies[/{id}|/count]
    GET …/finance/agreements[/{id}|/count]
    GET …/finance/agreements/{parentId}/additions[/{id}|/count]
    GET …/procurement/catalog[/{id}|/count]

Auth as ConnectWise documents it: Basic `companyId+publicKey:privateKey` and a `clientId`
header on every API call. Lists page with `page` (from 1) and `pageSize` (default 25, at most
1000) and a navigable `Link` header; `conditions` and `orderBy` filter and sort (see
`conditions.py`). Errors are `{"code", "message", "errors"?}`. Records come from `connectwise_json`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from sandbox import conditions
from sandbox import connectwise_json as render
from sandbox.paging import link_header, page_number
from sandbox.routing import Call, Incoming, Reply, Route, Vendor
from sandbox.tokens import TokenIssuer

PREFIX = "/connectwise"
API = "/v4_6_release/apis/3.0"
COMPANY_ID = "sandbox_msp"
PUBLIC_KEY = "SbxPublicKey4f2a"
PRIVATE_KEY = "SbxPrivateKey-8c1e6b0d93"
CLIENT_ID = "9b7f6c1e-3a54-4d0b-8e2f-5a4db0c0ffee"
MEDIA_TYPE = "application/vnd.connectwise.com+json; version=2026.4"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 25, 1000
CODES = {400: "InvalidObject", 401: "Unauthorized", 403: "Security", 404: "NotFound", 405: "MethodNotAllowed",
         429: "TooManyRequests", 500: "UnexpectedError"}

Rendered = Callable[[Call], list[dict[str, Any]]]


def settings(base_url: str) -> dict[str, str]:
    return {"base_url": base_url, "company_id": COMPANY_ID, "public_key": PUBLIC_KEY, "private_key": PRIVATE_KEY,
            "client_id": CLIENT_ID}


# -- how ConnectWise says no ----------------------------------------------------------------------

def error(incoming: Incoming, status: int, message: str, errors: list[dict[str, str]] | None = None) -> Reply:
    body: dict[str, Any] = {"code": CODES.get(status, "UnexpectedError"), "message": message}
    if errors:
        body["errors"] = errors
    return Reply(status, body, content_type=_media_type(incoming))


def refuse(incoming: Incoming) -> Reply:
    return error(incoming, 401, "Authentication failed: the API member's keys or company are not valid.")


def authenticate(incoming: Incoming, _: TokenIssuer | None) -> Reply | None:
    if incoming.header("clientId") != CLIENT_ID:
        return error(incoming, 401, "A valid clientId header is required (register one at developer.connectwise.com).")
    scheme, _, encoded = (incoming.header("Authorization") or "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return refuse(incoming)
    company, _, public = user.partition("+")
    if scheme.lower() != "basic" or company.lower() != COMPANY_ID or public != PUBLIC_KEY or password != PRIVATE_KEY:
        return refuse(incoming)
    return None


def too_many(incoming: Incoming, seconds: int) -> Reply:
    reply = error(incoming, 429, "Too many requests; slow down and retry after the interval given.")
    reply.headers["Retry-After"] = str(seconds)
    return reply


def cannot_route(incoming: Incoming) -> Reply:
    """Outside the API root ConnectWise answers in plain text; inside it, with its JSON 404."""
    if incoming.path.startswith(API + "/"):
        return error(incoming, 404, f"{incoming.path[len(API):]} was not found")
    return Reply(404, b"Cannot route. Codebase/company is invalid", content_type="text/plain")


# -- route functions ------------------------------------------------------------------------------

def company_info(call: Call) -> Reply:
    if call.params["company"].lower() != COMPANY_ID:
        return error(call.incoming, 404, f"Company {call.params['company']!r} was not found")
    return Reply(200, {"CompanyName": "Sandbox MSP", "Codebase": API.strip("/").split("/")[0] + "/",
                       "VersionCode": "v2026.4", "VersionNumber": "v4.6.110123", "CompanyID": COMPANY_ID,
                       "IsCloud": True, "SiteUrl": call.incoming.root.split("//")[1] + PREFIX})


def system_info(call: Call) -> Reply:
    return _json(call, {"version": "v2026.4.110123", "isCloud": True, "serverTimeZone": "Eastern Standard Time",
                        "cloudRegion": "NA"})


def listing(records: Rendered) -> Callable[[Call], Reply]:
    """A list route: conditions, orderBy, then a page and its `Link` header."""

    def route(call: Call) -> Reply:
        incoming = call.incoming
        try:
            size = min(_int(incoming, "pageSize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
            page = _int(incoming, "page", 1)
            rows = _selected(call, records(call))
        except conditions.ConditionError as problem:
            return _invalid(incoming, problem)
        rows = call.keep(rows)
        reply = _json(call, page_number(rows, page, size))
        link = link_header(incoming.url, dict(incoming.query), page, size, len(rows))
        if link:
            reply.headers["Link"] = link
        return reply

    return route


def counting(records: Rendered) -> Callable[[Call], Reply]:
    def route(call: Call) -> Reply:
        try:
            return _json(call, {"count": len(_selected(call, records(call)))})
        except conditions.ConditionError as problem:
            return _invalid(call.incoming, problem)

    return route


def detail(records: Rendered, what: str, key: str = "id") -> Callable[[Call], Reply]:
    def route(call: Call) -> Reply:
        wanted = call.params[key]
        found = next((r for r in records(call) if str(r["id"]) == wanted), None)
        if found is None:
            return error(call.incoming, 404, f"{what} ID {wanted} was not found.")
        return _json(call, found)

    return route


def _additions(call: Call) -> list[dict[str, Any]]:
    return render.additions(call.world, int(call.params["parentId"])) if call.params["parentId"].isdigit() else []


def _parent_detail(call: Call) -> Reply:
    if not _additions(call) and not any(str(a.id) == call.params["parentId"] for a in call.world.connectwise.agreements):
        return error(call.incoming, 404, f"Agreement ID {call.params['parentId']} was not found.")
    return detail(_additions, "Addition")(call)


def _selected(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {key.lower() for row in rows for key in row} | render.OPTIONAL_FIELDS
    text = call.incoming.arg("conditions")
    if text:
        keep = conditions.predicate(text, known)
        rows = [r for r in rows if keep(r)]
    return conditions.order(call.incoming.arg("orderBy") or "id asc", known)(rows)


def _invalid(incoming: Incoming, problem: conditions.ConditionError) -> Reply:
    return error(incoming, 400, str(problem), [{"code": "InvalidField", "message": str(problem),
                                                 "resource": incoming.path.rsplit("/", 1)[-1], "field": problem.field}])


def _int(incoming: Incoming, name: str, default: int) -> int:
    text = incoming.arg(name)
    if text in (None, ""):
        return default
    if not text.isdigit() or int(text) < 1:
        raise conditions.ConditionError(f"{name} must be a positive whole number, not {text!r}", name)
    return int(text)


def _json(call: Call, body: Any) -> Reply:
    return Reply(200, body, {"api-current-version": "2026.4"}, _media_type(call.incoming))


def _media_type(incoming: Incoming) -> str:
    """ConnectWise answers in its versioned media type when asked for it, otherwise plain JSON."""
    return MEDIA_TYPE if "vnd.connectwise.com" in (incoming.header("Accept") or "") else "application/json; charset=utf-8"


def _routes() -> tuple[Route, ...]:
    companies: Rendered = lambda call: render.companies(call.world)
    agreements: Rendered = lambda call: render.agreements(call.world)
    catalog: Rendered = lambda call: render.catalog(call.world)
    return (
        Route("GET", "/login/companyinfo/{company}", company_info, kind="public"),
        Route("GET", API + "/system/info", system_info),
        Route("GET", API + "/company/companies/count", counting(companies)),
        Route("GET", API + "/company/companies/{id}", detail(companies, "Company")),
        Route("GET", API + "/company/companies", listing(companies), listing=True),
        Route("GET", API + "/finance/agreements/count", counting(agreements)),
        Route("GET", API + "/finance/agreements/{parentId}/additions/count", counting(_additions)),
        Route("GET", API + "/finance/agreements/{parentId}/additions/{id}", _parent_detail),
        Route("GET", API + "/finance/agreements/{parentId}/additions", listing(_additions), listing=True),
        Route("GET", API + "/finance/agreements/{id}", detail(agreements, "Agreement")),
        Route("GET", API + "/finance/agreements", listing(agreements), listing=True),
        Route("GET", API + "/procurement/catalog/count", counting(catalog)),
        Route("GET", API + "/procurement/catalog/{id}", detail(catalog, "Catalog item")),
        Route("GET", API + "/procurement/catalog", listing(catalog), listing=True),
    )


VENDOR = Vendor(
    name="connectwise", prefix=PREFIX, api_root=API, routes=_routes(), authenticate=authenticate, refuse=refuse,
    refuse_token=None, error=lambda incoming, status, message: error(incoming, status, message),
    too_many=too_many, settings=settings, not_found=cannot_route,
)
