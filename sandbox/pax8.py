"""Fake Pax8 Partner API v1: companies, subscriptions and products, with a client-credentials token.

    POST /pax8/v1/token                       JSON body, audience https://api.pax8.com
    GET  /pax8/v1/companies[/{companyId}]     ?page=&size=&status=&city=&country=&sort=
    GET  /pax8/v1/subscriptions[/{id}]        ?page=&size=&status=&companyId=&productId=&billingTerm=&sort=
    GET  /pax8/v1/products[/{productId}]      ?page=&size=&vendorName=&search=&sort=

Lists page from 0 with `size` 1–200 (default 10) in `{"content": [...], "page": {...}}`. Tokens
live 86400 s. Errors are `{"type", "message", "instance", "status"}`; a `companyId` the partner
does not own is a 403, as the spec says. Pax8 sends no `Retry-After` with its 429.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sandbox import pax8_json as render
from sandbox.model import World
from sandbox.paging import page_object
from sandbox.routing import Call, Incoming, Reply, Route, Vendor, once_per_world
from sandbox.tokens import TokenIssuer

PREFIX = "/pax8"
API = "/v1"
CLIENT_ID = "sbxPax8ClientR4nd0mId"
CLIENT_SECRET = "sbx-pax8-secret-Kq7mW2zH9vT4cX1e"
AUDIENCE = "https://api.pax8.com"
TOKEN_LIFETIME = 86400.0
DEFAULT_SIZE, MAX_SIZE = 10, 200
TYPES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
         429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR"}
SUBSCRIPTION_STATUSES = ("Active", "Cancelled", "PendingManual", "PendingAutomated", "PendingCancel",
                         "WaitingForDetails", "Trial", "Converted", "PendingActivation", "Activated")
COMPANY_FILTERS = {"status": "status", "city": "address.city", "country": "address.country",
                   "stateOrProvince": "address.stateOrProvince", "postalCode": "address.postalCode"}
COMPANY_SORTS = {"name": "name", "city": "address.city", "country": "address.country",
                 "stateOrProvince": "address.stateOrProvince", "postalCode": "address.postalCode"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)

JSON = dict[str, Any]


def settings(base_url: str) -> dict[str, str]:
    return {"base_url": base_url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


# -- how Pax8 says no -----------------------------------------------------------------------------

def error(incoming: Incoming, status: int, message: str) -> Reply:
    return Reply(status, {"type": TYPES.get(status, "ERROR"), "message": message, "instance": incoming.path,
                          "status": status})


def refuse(incoming: Incoming) -> Reply:
    return error(incoming, 401, "Full authentication is required to access this resource")


def refuse_token(_: Incoming) -> Reply:
    return Reply(401, {"error": "access_denied", "error_description": "Unauthorized"})


def authenticate(incoming: Incoming, tokens: TokenIssuer | None) -> Reply | None:
    scheme, _, token = (incoming.header("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or tokens is None or not tokens.valid(token.strip()):
        return refuse(incoming)
    return None


def too_many(incoming: Incoming, _seconds: int) -> Reply:
    return error(incoming, 429, "Rate limit exceeded")  # no Retry-After: Pax8 documents none


# -- route functions ------------------------------------------------------------------------------

def token(call: Call) -> Reply:
    try:
        body = json.loads(call.incoming.body or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in
                                             ("client_id", "client_secret", "audience", "grant_type")):
        return Reply(400, {"error": "invalid_request",
                           "error_description": "client_id, client_secret, audience and grant_type are required"})
    if body["grant_type"] != "client_credentials":
        return Reply(400, {"error": "unsupported_grant_type", "error_description": body["grant_type"]})
    if body["client_id"] != CLIENT_ID or body["client_secret"] != CLIENT_SECRET or body["audience"] != AUDIENCE:
        return refuse_token(call.incoming)
    assert call.tokens is not None
    return Reply(200, {"access_token": call.tokens.issue(), "expires_in": int(call.tokens.lifetime),
                       "token_type": "Bearer"})


def listing(records: Callable[[Call], list[JSON]], filters: dict[str, str], sorts: dict[str, str], *,
            search: bool = False) -> Callable[[Call], Reply]:
    """A list route: exact-match `filters` and `sort` (query name → dotted field), then a page from 0."""

    def route(call: Call) -> Reply:
        incoming = call.incoming
        try:
            page, size = _whole(incoming, "page", 0), _whole(incoming, "size", DEFAULT_SIZE)
        except ValueError as problem:
            return error(incoming, 400, str(problem))
        if not 1 <= size <= MAX_SIZE:
            return error(incoming, 400, f"size must be between 1 and {MAX_SIZE}")
        rows = records(call)
        for name, field in filters.items():
            wanted = incoming.arg(name)
            if wanted is not None:
                rows = [r for r in rows if str(_at(r, field)).lower() == wanted.lower()]
        words = incoming.arg("search") if search else None
        if words:
            rows = [r for r in rows if words.lower() in str(r.get("name", "")).lower()]
        order = incoming.arg("sort")
        if order:
            name, _, direction = order.partition(",")
            if name not in sorts or direction not in ("", "asc", "desc"):
                return error(incoming, 400, f"cannot sort by {order!r}")
            rows = sorted(rows, key=lambda r: _sortable(_at(r, sorts[name])), reverse=direction == "desc")
        return Reply(200, page_object(call.keep(rows), page, size))

    return route


@once_per_world
def _rendered(world: World) -> dict[str, list[JSON]]:
    return {
        "companies": [render.company(c) for c in world.pax8.companies],
        "subscriptions": [render.subscription(s) for s in world.pax8.subscriptions],
        "products": [render.product(p) for p in world.pax8.products],
        "product details": [render.product(p, detailed=True) for p in world.pax8.products],
    }


def companies(call: Call) -> list[JSON]:
    return _rendered(call.world)["companies"]


def subscriptions(call: Call) -> list[JSON]:
    return _rendered(call.world)["subscriptions"]


def products(call: Call) -> list[JSON]:
    return _rendered(call.world)["products"]


def subscription_list(call: Call) -> Reply:
    """Subscriptions, refusing a status Pax8 does not have and a company the partner does not own."""
    status, company = call.incoming.arg("status"), call.incoming.arg("companyId")
    if status is not None and status not in SUBSCRIPTION_STATUSES:
        return error(call.incoming, 400, f"status must be one of {', '.join(SUBSCRIPTION_STATUSES)}")
    if company is not None and not UUID.match(company):
        return error(call.incoming, 400, "companyId must be a UUID")
    if company is not None and not any(c.id == company for c in call.world.pax8.companies):
        return error(call.incoming, 403, "Invalid companyId")
    fields = ("quantity", "startDate", "endDate", "createdDate", "billingStart", "price")
    return listing(subscriptions, {"status": "status", "companyId": "companyId", "productId": "productId",
                                   "billingTerm": "billingTerm"},
                   {f"{field},{way}": field for field in fields for way in ("asc", "desc")})(call)


def detail(records: Callable[[Call], list[JSON]], key: str, what: str) -> Callable[[Call], Reply]:
    def route(call: Call) -> Reply:
        found = next((r for r in records(call) if r["id"] == call.params[key]), None)
        return Reply(200, found) if found else error(call.incoming, 404, f"{what} not found")

    return route


def _product_detail(call: Call) -> list[JSON]:
    return _rendered(call.world)["product details"]


def _whole(incoming: Incoming, name: str, default: int) -> int:
    text = incoming.arg(name)
    if text in (None, ""):
        return default
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number, not {text!r}")
    return int(text)


def _at(record: JSON, path: str) -> Any:
    """`_at(company, "address.city")` → the city, or "" when absent."""
    value: Any = record
    for key in path.split("."):
        value = value.get(key, "") if isinstance(value, dict) else ""
    return value


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, (int, float)) else (1, str(value).lower())


VENDOR = Vendor(
    name="pax8", prefix=PREFIX, api_root=API,
    routes=(
        Route("POST", API + "/token", token, kind="token"),
        Route("GET", API + "/companies", listing(companies, COMPANY_FILTERS, COMPANY_SORTS), listing=True),
        Route("GET", API + "/companies/{companyId}", detail(companies, "companyId", "Company")),
        Route("GET", API + "/subscriptions", subscription_list, listing=True),
        Route("GET", API + "/subscriptions/{subscriptionId}", detail(subscriptions, "subscriptionId", "Subscription")),
        Route("GET", API + "/products", listing(products, {"vendorName": "vendorName"},
                                                {"name": "name", "vendor": "vendorName"}, search=True), listing=True),
        Route("GET", API + "/products/{productId}", detail(_product_detail, "productId", "Product")),
    ),
    authenticate=authenticate, refuse=refuse, refuse_token=refuse_token, error=error, too_many=too_many,
    settings=settings, token_lifetime=TOKEN_LIFETIME,
)
