"""Fake Pax8 Partner API v1: the distributor's companies, subscriptions and products.

    POST /pax8/v1/token                       JSON body, audience https://api.pax8.com
    GET  /pax8/v1/companies[/{companyId}]     ?page=&size=&status=&city=&country=&sort=
    GET  /pax8/v1/subscriptions[/{id}]        ?page=&size=&status=&companyId=&productId=&billingTerm=&sort=
    GET  /pax8/v1/products[/{productId}]      ?page=&size=&vendorName=&search=&sort=

A view of the truth's distributor role: each distributor account is a company (a deleted one is
`Deleted`), each purchase a subscription, each `BOUGHT` product a product under Pax8's own SKU.
Lists page from 0 with `size` 1–200 (default 10) in `{"content": [...], "page": {...}}`. Tokens
live 86400 s. Errors are `{"type", "message", "instance", "status"}`; a `companyId` the partner
does not own is a 403, as the spec says. Pax8 sends no `Retry-After` with its 429.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.auth import Bearer, ClientCredentials
from sandbox.paging import Envelope, PageNumber, at, list_route
from sandbox.routing import BadQuery, Call, Incoming, Reply, Route, detail
from sandbox.truth import catalog
from sandbox.truth.model import Role, World
from sandbox.truth.names import compact
from sandbox.vendor import FakeVendor, Owned, Spec, stable_uuid

API = "/v1"
CLIENT_ID = "sbxPax8ClientR4nd0mId"
CLIENT_SECRET = "sbx-pax8-secret-Kq7mW2zH9vT4cX1e"
AUDIENCE = "https://api.pax8.com"
GRANT = ClientCredentials(
    (API + "/token",), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "audience": AUDIENCE}, form=False,
    required=("client_id", "client_secret", "audience", "grant_type"),
    malformed="client_id, client_secret, audience and grant_type are required", denied=("access_denied", "Unauthorized"),
    unsupported=lambda grant: grant, no_store=False)
SKUS = {"M365-BP": "MST-M365-BP", "GZ-BS": "BDF-GZ-BS", "M365-BS": "MST-M365-BS", "EXO-P1": "MST-EXO-P1"}
STATUSES = {"active": "Active", "cancelled": "Cancelled", "trial": "Trial", "pending": "PendingManual",
            "pending cancel": "PendingCancel", "waiting": "WaitingForDetails"}
SUBSCRIPTION_STATUSES = ("Active", "Cancelled", "PendingManual", "PendingAutomated", "PendingCancel",
                         "WaitingForDetails", "Trial", "Converted", "PendingActivation", "Activated")
TYPES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
         429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR"}
COMPANY_FILTERS = {"status": "status", "city": "address.city", "country": "address.country",
                   "stateOrProvince": "address.stateOrProvince", "postalCode": "address.postalCode"}
COMPANY_SORTS = {"name": "name", "city": "address.city", "country": "address.country",
                 "stateOrProvince": "address.stateOrProvince", "postalCode": "address.postalCode"}
SUBSCRIPTION_FILTERS = {"status": "status", "companyId": "companyId", "productId": "productId",
                        "billingTerm": "billingTerm"}
# the truth's terms in Pax8's words: `billingTerm` values, and `commitmentTerm.term` for committed ones
BILLING_TERMS = {"monthly": "Monthly", "annual": "Annual", "triennial": "3-Year"}
COMMITMENT_TERMS = {"annual": "1-Year", "triennial": "3-Year"}
SUBSCRIPTION_SORTS = {field: field for field in ("quantity", "startDate", "endDate", "createdDate", "billingStart",
                                                  "price")}
DESCRIPTIONS = {
    "Microsoft": "Cloud productivity and collaboration from Microsoft, billed per user per month.",
    "Bitdefender": "Endpoint protection for workstations and servers, billed per protected device.",
}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
PAGES = PageNumber(Envelope(lambda page: {"content": page.items, "page": {
    "size": page.size, "totalElements": page.total, "totalPages": -(-page.total // page.size), "number": page.number}},
    items_at="content"))

JSON = dict[str, Any]


@dataclass(frozen=True)
class View:
    companies: list[JSON]
    subscriptions: list[JSON]
    products: list[JSON]
    product_details: list[JSON]
    owners: dict[str, Owned]


class Pax8(FakeVendor):
    kind = "pax8"
    display_name = "Pax8"
    roles = (Role.DISTRIBUTOR,)
    prefix = "/pax8"
    api_root = API
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    token_lifetime = 86400.0
    retry_after = False  # Pax8 documents none
    spec = Spec(("pax8/partner-endpoints-openapi.json", "pax8/authentication-openapi.json"), "https://api.pax8.com")

    def declare_routes(self) -> tuple[Route, ...]:
        companies = _narrowed(lambda view: view.companies, COMPANY_FILTERS, COMPANY_SORTS)
        products = _narrowed(lambda view: view.products, {"vendorName": "vendorName"},
                             {"name": "name", "vendor": "vendorName"}, search=True)
        subscriptions = _narrowed(lambda view: view.subscriptions, SUBSCRIPTION_FILTERS, SUBSCRIPTION_SORTS)
        listed = list_route("GET", API + "/subscriptions", subscriptions, PAGES)
        return (
            list_route("GET", API + "/companies", companies, PAGES),
            Route("GET", API + "/companies/{companyId}",
                  detail(lambda call: call.view.companies, self._missing("Company"), "companyId")),
            Route("GET", API + "/subscriptions", lambda call: self._refused(call) or listed.function(call),
                  listing=PAGES),
            Route("GET", API + "/subscriptions/{subscriptionId}",
                  detail(lambda call: call.view.subscriptions, self._missing("Subscription"), "subscriptionId")),
            list_route("GET", API + "/products", products, PAGES),
            Route("GET", API + "/products/{productId}",
                  detail(lambda call: call.view.product_details, self._missing("Product"), "productId")),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:pax8")
        products = [{"id": stable_uuid(world.seed, "pax8 product", p.code), "name": p.name, "vendorName": p.vendor,
                     "shortDescription": p.name, "sku": SKUS[p.code], "vendorSku": p.maker_id,
                     "requiresCommitment": False} for p in catalog.BOUGHT]
        product_ids = {p.code: record["id"] for p, record in zip(catalog.BOUGHT, products)}
        companies, subscriptions, owners = [], [], {}
        for customer, account in world.accounts(Role.DISTRIBUTOR):
            company_id = stable_uuid(world.seed, "pax8 company", account.number)
            city = customer.sites[0].city if customer.sites else rng.choice(("Denver", "Austin", "Reno"))
            company: JSON = {
                "id": company_id, "name": account.name,
                "address": {"street": (customer.sites[0].address.split(",")[0] if customer.sites
                                       else f"{rng.randint(100, 99999)} Market St"),
                            "city": city, "stateOrProvince": "CO", "postalCode": f"{rng.randint(10000, 99999)}",
                            "country": "US"},
                "phone": customer.phone, "website": f"https://{compact(account.name)[:20] or 'company'}.example",
                "billOnBehalfOfEnabled": False, "selfServiceAllowed": False, "orderApprovalRequired": False,
                "status": "Active" if account.live else "Deleted",
                "updatedDate": _stamp(world.now - timedelta(days=rng.randint(1, 300), seconds=rng.randint(0, 86399))),
            }
            if rng.random() < 0.3:
                company["externalId"] = customer.name.base[:3].upper() + str(rng.randint(100, 999))
            companies.append(company)
            owners[company_id] = (customer, account)
            for sub in customer.purchases:
                record: JSON = {
                    "id": stable_uuid(world.seed, "pax8 subscription", sub.number), "companyId": company_id,
                    "productId": product_ids[sub.product], "quantity": sub.quantity, "startDate": _stamp(sub.start),
                    "createdDate": _stamp(sub.created), "updatedDate": _stamp(sub.start),
                    "billingStart": sub.start.date().isoformat(), "status": STATUSES[sub.status],
                    "price": float(sub.price), "currencyCode": "USD", "partnerCost": float(sub.cost),
                    "productName": catalog.bought(sub.product).name, "billingTerm": BILLING_TERMS[sub.term],
                }
                if sub.end:
                    record["endDate"] = _stamp(sub.end)
                if sub.commitment_end:
                    record["commitmentTerm"] = {"id": stable_uuid(record["id"], "term"),
                                                "term": COMMITMENT_TERMS[sub.term],
                                                "endDate": _stamp(datetime.combine(sub.commitment_end, sub.start.timetz()))}
                subscriptions.append(record)
        rng.shuffle(companies)  # Pax8 lists companies in its own order, not the PSA's
        details = [p | {"description": DESCRIPTIONS.get(p["vendorName"], p["name"])} for p in products]
        return View(companies, subscriptions, products, details, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        kind, _, product = neutral.partition(":")
        return f"licenses:{SKUS[product]}" if kind == "licences" and product in SKUS else None

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"type": TYPES.get(status, "ERROR"), "message": message, "instance": incoming.path,
                              "status": status})

    def refuse(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 401, "Full authentication is required to access this resource")

    def too_many(self, incoming: Incoming, seconds: int) -> Reply:
        return self.error(incoming, 429, "Rate limit exceeded")

    def _missing(self, what: str) -> Callable[[Call, str], Reply]:
        return lambda call, _: self.error(call.incoming, 404, f"{what} not found")

    def _refused(self, call: Call) -> Reply | None:
        """A status Pax8 does not have (400), a company id that is no UUID (400) or not the partner's (403)."""
        status, company = call.incoming.arg("status"), call.incoming.arg("companyId")
        if status is not None and status not in SUBSCRIPTION_STATUSES:
            return self.error(call.incoming, 400, f"status must be one of {', '.join(SUBSCRIPTION_STATUSES)}")
        if company is not None and not UUID.match(company):
            return self.error(call.incoming, 400, "companyId must be a UUID")
        if company is not None and company not in call.view.owners:
            return self.error(call.incoming, 403, "Invalid companyId")
        return None


def _narrowed(rows: Callable[[View], list[JSON]], filters: dict[str, str], sorts: dict[str, str], *,
              search: bool = False) -> Callable[[Call], list[JSON]]:
    """Exact-match `filters`, a `search` on names and a `sort` (query name → dotted field), as Pax8 lists allow."""

    def narrowed(call: Call) -> list[JSON]:
        incoming, found = call.incoming, rows(call.view)
        for name, field in filters.items():
            wanted = incoming.arg(name)
            if wanted is not None:
                found = [r for r in found if str(at(r, field) or "").lower() == wanted.lower()]
        words = incoming.arg("search") if search else None
        if words:
            found = [r for r in found if words.lower() in str(r.get("name", "")).lower()]
        order = incoming.arg("sort")
        if order:
            name, _, direction = order.partition(",")
            if name not in sorts or direction not in ("", "asc", "desc"):
                raise BadQuery(f"cannot sort by {order!r}", "sort")
            found = sorted(found, key=lambda r: _sortable(at(r, sorts[name])), reverse=direction == "desc")
        return found

    return narrowed


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, (int, float)) else (1, str(value or "").lower())


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

