"""Fake ConnectWise PSA (Manage) REST API 3.0: companies, agreements, additions, catalog; GET only.

    GET /connectwise/login/companyinfo/{companyId}              discovery, no auth
    GET /connectwise/v4_6_release/apis/3.0/system/info          smoke test
    GET …/company/companies[/{id}|/count]
    GET …/finance/agreements[/{id}|/count]
    GET …/finance/agreements/{parentId}/additions[/{id}|/count]
    GET …/procurement/catalog[/{id}|/count]

A view of the truth's PSA role: each PSA account is a company (a prospect's type is Prospect, a
deleted one has `deletedFlag`), each agreement an agreement, each billing line an addition, the
MSP's catalog the procurement catalog (`records.py`). Auth as ConnectWise documents it: Basic
`companyId+publicKey:privateKey` and a `clientId` header on every API call. Lists page with
`page` (from 1) and `pageSize` (default 25, at most 1000) and a navigable `Link` header;
`conditions` and `orderBy` filter and sort (`conditions.py`). Errors are `{"code", "message",
"errors"?}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.auth import AllOf, Basic, Headers
from sandbox.paging import LinkHeaderPages, list_route
from sandbox.routing import PUBLIC, BadQuery, Call, Incoming, Reply, Route
from sandbox.truth import catalog
from sandbox.truth.model import Role, World
from sandbox.vendor import FakeVendor, Owned, Spec
from sandbox.vendors.connectwise import conditions, records

API = "/v4_6_release/apis/3.0"
COMPANY_ID = "sandbox_msp"
PUBLIC_KEY = "SbxPublicKey4f2a"
PRIVATE_KEY = "SbxPrivateKey-8c1e6b0d93"
CLIENT_ID = "9b7f6c1e-3a54-4d0b-8e2f-5a4db0c0ffee"
MEDIA_TYPE = "application/vnd.connectwise.com+json; version=2026.4"
CODES = {400: "InvalidObject", 401: "Unauthorized", 403: "Security", 404: "NotFound", 405: "MethodNotAllowed",
         429: "TooManyRequests", 500: "UnexpectedError"}
PAGES = LinkHeaderPages()
SOLD = frozenset(p.code for p in catalog.SOLD)

Rows = Callable[[Call], list[dict[str, Any]]]


def _company_fold(user: str) -> str:
    """The company part of `company+publicKey` is not case-sensitive; the key is."""
    company, _, public = user.partition("+")
    return f"{company.lower()}+{public}"


class ConnectWise(FakeVendor):
    kind = "connectwise"
    display_name = "ConnectWise PSA"
    roles = (Role.PSA,)
    prefix = "/connectwise"
    api_root = API
    auth = AllOf(Headers({"clientId": CLIENT_ID}), Basic(f"{COMPANY_ID}+{PUBLIC_KEY}", PRIVATE_KEY, fold=_company_fold))
    credentials = {"company_id": COMPANY_ID, "public_key": PUBLIC_KEY, "private_key": PRIVATE_KEY,
                   "client_id": CLIENT_ID}
    spec = Spec(("connectwise-psa/manage-openapi-subset.json",), "https://na.myconnectwise.net")

    def declare_routes(self) -> tuple[Route, ...]:
        companies: Rows = lambda call: call.view.companies
        agreements: Rows = lambda call: call.view.agreements
        items: Rows = lambda call: call.view.catalog

        def additions(call: Call) -> list[dict[str, Any]]:
            return call.view.additions.get(call.params["parentId"], [])

        routes = [Route("GET", "/login/companyinfo/{company}", self.company_info, kind=PUBLIC),
                  Route("GET", API + "/system/info", self.system_info)]
        for path, rows, what in (("/company/companies", companies, "Company"),
                                 ("/finance/agreements/{parentId}/additions", additions, "Addition"),
                                 ("/finance/agreements", agreements, "Agreement"),
                                 ("/procurement/catalog", items, "Catalog item")):
            routes += [Route("GET", API + path + "/count", self._counting(rows)),
                       Route("GET", API + path + "/{id}", self._detail(rows, what)),
                       list_route("GET", API + path, lambda call, rows=rows: self._selected(call, rows(call)), PAGES,
                                  respond=self._json)]
        return tuple(routes)

    def render(self, world: World) -> records.View:
        return records.render(world)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        kind, _, product = neutral.partition(":")
        return neutral if kind == "billed" and product in SOLD else None

    # -- how ConnectWise says no -----------------------------------------------------------------

    def error(self, incoming: Incoming, status: int, message: str,
              errors: list[dict[str, str]] | None = None) -> Reply:
        body: dict[str, Any] = {"code": CODES.get(status, "UnexpectedError"), "message": message}
        if errors:
            body["errors"] = errors
        return Reply(status, body, content_type=_media_type(incoming))

    def refuse(self, incoming: Incoming) -> Reply:
        if incoming.header("clientId") != CLIENT_ID:
            return self.error(incoming, 401, "A valid clientId header is required (register one at developer.connectwise.com).")
        return self.error(incoming, 401, "Authentication failed: the API member's keys or company are not valid.")

    def too_many(self, incoming: Incoming, seconds: int) -> Reply:
        reply = self.error(incoming, 429, "Too many requests; slow down and retry after the interval given.")
        reply.headers["Retry-After"] = str(seconds)
        return reply

    def bad_query(self, incoming: Incoming, problem: BadQuery) -> Reply:
        return self.error(incoming, 400, str(problem), [{
            "code": "InvalidField", "message": str(problem), "resource": incoming.path.rsplit("/", 1)[-1],
            "field": problem.field or "conditions"}])

    def not_found(self, incoming: Incoming) -> Reply:
        """Outside the API root ConnectWise answers in plain text; inside it, with its JSON 404."""
        if incoming.path.startswith(API + "/"):
            return self.error(incoming, 404, f"{incoming.path[len(API):]} was not found")
        return Reply(404, b"Cannot route. Codebase/company is invalid", content_type="text/plain")

    # -- route functions ---------------------------------------------------------------------------

    def company_info(self, call: Call) -> Reply:
        if call.params["company"].lower() != COMPANY_ID:
            return self.error(call.incoming, 404, f"Company {call.params['company']!r} was not found")
        return Reply(200, {"CompanyName": "Sandbox MSP", "Codebase": API.strip("/").split("/")[0] + "/",
                           "VersionCode": "v2026.4", "VersionNumber": "v4.6.110123", "CompanyID": COMPANY_ID,
                           "IsCloud": True, "SiteUrl": call.incoming.root.split("//")[1] + self.prefix})

    def system_info(self, call: Call) -> Reply:
        return self._json(call, {"version": "v2026.4.110123", "isCloud": True,
                                 "serverTimeZone": "Eastern Standard Time", "cloudRegion": "NA"}, {})

    def _counting(self, rows: Rows) -> Callable[[Call], Reply]:
        return lambda call: self._json(call, {"count": len(self._selected(call, rows(call)))}, {})

    def _detail(self, rows: Rows, what: str) -> Callable[[Call], Reply]:
        def route(call: Call) -> Reply:
            parent = call.params.get("parentId")
            if parent is not None and parent not in call.view.additions:
                return self.error(call.incoming, 404, f"Agreement ID {parent} was not found.")
            found = next((r for r in rows(call) if str(r["id"]) == call.params["id"]), None)
            if found is None:
                return self.error(call.incoming, 404, f"{what} ID {call.params['id']} was not found.")
            return self._json(call, found, {})

        return route

    def _selected(self, call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        known = {key.lower() for row in rows for key in row} | records.OPTIONAL_FIELDS
        text = call.incoming.arg("conditions")
        if text:
            keep = conditions.predicate(text, known)
            rows = [r for r in rows if keep(r)]
        return conditions.order(call.incoming.arg("orderBy") or "id asc", known)(rows)

    def _json(self, call: Call, body: Any, headers: dict[str, str]) -> Reply:
        return Reply(200, body, {"api-current-version": "2026.4", **headers}, _media_type(call.incoming))


def _media_type(incoming: Incoming) -> str:
    """ConnectWise answers in its versioned media type when asked for it, otherwise plain JSON."""
    return MEDIA_TYPE if "vnd.connectwise.com" in (incoming.header("Accept") or "") else "application/json; charset=utf-8"
