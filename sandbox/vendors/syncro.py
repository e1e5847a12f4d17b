"""Fake Syncro REST API v1: customers, Invoice Schedules (recurring invoices) and their lines, products; GET only.

    GET /syncro/api/v1/me                       the token's user and permissions
    GET /syncro/api/v1/customers[/{id}]         ?page=&include_disabled=
    GET /syncro/api/v1/schedules[/{id}]         ?page=&customer_id=
    GET /syncro/api/v1/products[/{id}]          ?page=

A view of the truth's PSA role: each PSA account is a customer (a deleted one is `disabled`, left out
of the list unless `include_disabled=true`), each agreement a monthly schedule with its billing lines,
the MSP's catalog the products, each carrying the MSP's product code as its SKU (Microsoft 365 its
distributor's SKU too, second).

How the truth's billing traps look in Syncro, which has no billable flag and no line dates: a
cancelled agreement is a paused schedule; a line that starts later sits on a schedule of its own,
paused until then; a line cancelled in the past is gone from its schedule (one cancelled from a date
ahead is still there); do-not-bill and no-charge lines are priced 0.00; included units are
`bill_all_units: false` with `bill_units_threshold`; a deleted customer is `disabled`.
Some quantities and prices arrive as strings, and the Backup Storage product is retired: missing from
the product list, still readable by its id.

Auth is the API token as `Authorization: Bearer <token>` or `?api_key=<token>`. Lists page with
`page` alone (from 1) at 25 rows; customers and schedules carry `meta`, products none. Errors are
Syncro's mixed shapes (`{"error"}`, `{"errors": [...]}`, `{"message"}`); the limit is 180 requests a
minute, and its 429 carries no `Retry-After` (unconfirmed in Syncro's documents, so the harder case).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.auth import AnyOf, Headers, QueryKey
from sandbox.paging import Envelope, FixedPages, list_route
from sandbox.routing import Call, Incoming, Reply, Route
from sandbox.truth import catalog
from sandbox.truth.model import BILLABLE, Customer, Role, World
from sandbox.vendor import FakeVendor, Owned, Spec

API = "/api/v1"
SUBDOMAIN = "sandbox-msp"
API_TOKEN = "T4b9e1c07d2a5f8e3-sbx-syncro-6c0e"
PER_PAGE = 25
FIRST_NAMES = ("Dana", "Luis", "Priya", "Tom", "Grace", "Omar", "Mia", "Sam", "Ava", "Noah", "Zoe", "Ethan")
LAST_NAMES = ("Whitfield", "Ortega", "Natarajan", "Becker", "Liu", "Haddad", "Kowalski", "Eriksen", "Brooks")
PRODUCT_IDS = {product.code: 22739503 + 3571 * n for n, product in enumerate(catalog.SOLD)}
RETIRED = frozenset({catalog.BACKUP_STORAGE.code})  # disabled: off the product list, still on schedules
DISTRIBUTOR_SKUS = {catalog.M365_BILLED.code: "MST-M365-BP"}
SOLD = frozenset(PRODUCT_IDS)

JSON = dict[str, Any]


def _paged(key: str, counted: bool = True) -> FixedPages:
    def wrap(page: Any) -> JSON:
        body: JSON = {key: page.items}
        if counted:
            body["meta"] = {"total_pages": max(1, -(-page.total // page.size)), "total_entries": page.total,
                            "per_page": page.size, "page": page.number}
        return body
    return FixedPages(Envelope(wrap, items_at=key), page="page", first=1, size=PER_PAGE)


CUSTOMERS, SCHEDULES, PRODUCTS = _paged("customers"), _paged("schedules"), _paged("products", counted=False)


@dataclass(frozen=True)
class View:
    customers: list[JSON]
    schedules: list[JSON]
    products: list[JSON]
    owners: dict[str, Owned]


class Syncro(FakeVendor):
    kind = "syncro"
    display_name = "Syncro"
    roles = (Role.PSA,)
    prefix = "/syncro"
    api_root = API
    auth = AnyOf(Headers({"Authorization": f"Bearer {API_TOKEN}"}), QueryKey("api_key", API_TOKEN))
    credentials = {"subdomain": SUBDOMAIN, "api_key": API_TOKEN}
    retry_after = False
    rate_limit = (3.0, 180)  # 180 a minute, a minute's worth at once
    spec = Spec(("syncro/syncro-openapi-subset.json",), "https://your-subdomain.syncromsp.com")

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            Route("GET", API + "/me", self.me),
            list_route("GET", API + "/customers", _listed_customers, CUSTOMERS),
            Route("GET", API + "/customers/{id}", self._detail("customer", lambda view: view.customers)),
            list_route("GET", API + "/schedules", _listed_schedules, SCHEDULES),
            Route("GET", API + "/schedules/{id}", self._detail("schedule", lambda view: view.schedules)),
            list_route("GET", API + "/products", lambda call: [p for p in call.view.products if not p["disabled"]],
                       PRODUCTS),
            Route("GET", API + "/products/{id}", self._detail("product", lambda view: view.products)),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:syncro")
        customers, schedules, owners = [], [], {}
        customer_id, schedule_id, line_id = 24152385, 503262, 1823298
        for customer, account in world.accounts(Role.PSA):
            customer_id += rng.randint(1, 900)
            owners[str(customer_id)] = (customer, account)
            customers.append(_customer(rng, customer, account.name, customer_id, disabled=not account.live))
            for name, paused, lines in _schedules(world, customer):
                schedule_id += rng.randint(1, 40)
                rendered = []
                for line in lines:
                    line_id += rng.randint(1, 9)
                    rendered.append(_line(rng, line, line_id, len(rendered)))
                schedules.append({
                    "id": schedule_id, "account_id": 1, "customer_id": customer_id, "name": f"{account.name} - {name}",
                    "frequency": "Monthly", "next_run": _stamp(_next_first(world.now)), "paused": paused,
                    "subtotal": round(sum(float(x["quantity"]) * float(x["price_retail"]) for x in rendered), 2),
                    "email_customer": True, "snail_mail": False, "charge_mop": rng.random() < 0.3,
                    "invoice_unbilled_ticket_charges": rng.random() < 0.5,
                    "last_invoice_paid": None if paused else rng.random() < 0.9, "lines": rendered,
                })
        return View(customers, schedules, [_product(p) for p in catalog.SOLD], owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        kind, _, product = neutral.partition(":")
        return neutral if kind == "billed" and product in SOLD else None

    # -- how Syncro says no: its shapes differ by status ----------------------------------------

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        if status in (400, 422):
            return Reply(status, {"errors": [message]})
        if status == 404:
            return Reply(status, {"message": message})
        return Reply(status, {"error": message})

    def refuse(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 401, "Not Authorized")

    def too_many(self, incoming: Incoming, seconds: int) -> Reply:
        return self.error(incoming, 429, "Rate limit exceeded: 180 requests per minute")

    def not_found(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 404, "Record not found")

    # -- route functions -------------------------------------------------------------------------

    def me(self, call: Call) -> Reply:
        read = {"read": True, "write": False, "delete": False}
        return Reply(200, {"user_token": API_TOKEN[:8] + "-…", "user_email": "billing-api@sandbox-msp.example",
                           "user_name": "BillingReconcile API", "user_id": 71, "admin": False, "can_use_app": False,
                           "two_factor_required": False, "subdomain": SUBDOMAIN, "default_location": None,
                           "enable_multi_locations": False, "locations_allowed": [],
                           "permissions": {"customer": read, "invoice": read}})

    def _detail(self, key: str, rows: Callable[[View], list[JSON]]) -> Callable[[Call], Reply]:
        def route(call: Call) -> Reply:
            found = next((r for r in rows(call.view) if str(r["id"]) == call.params["id"]), None)
            return Reply(200, {key: found}) if found is not None else self.not_found(call.incoming)
        return route


def _listed_customers(call: Call) -> list[JSON]:
    everyone: list[JSON] = call.view.customers
    if (call.incoming.arg("include_disabled") or "").lower() == "true":
        return everyone
    return [c for c in everyone if not c["disabled"]]


def _listed_schedules(call: Call) -> list[JSON]:
    wanted = call.incoming.arg("customer_id")
    everything: list[JSON] = call.view.schedules
    return [s for s in everything if str(s["customer_id"]) == wanted] if wanted else everything


def _schedules(world: World, customer: Customer) -> list[tuple[str, bool, list[Any]]]:
    """(name, paused, billing lines) per schedule: one per agreement, and a paused one for lines that
    start later; lines cancelled by now are gone."""
    made: list[tuple[str, bool, list[Any]]] = []
    for agreement in customer.agreements:
        lines = [b for b in customer.billing if b.agreement == agreement.name]
        current = [b for b in lines if b.start <= world.now and (b.end is None or b.end > world.now)]
        later = [b for b in lines if b.start > world.now]
        if current or not later:
            cancelled = agreement.cancelled is not None and agreement.cancelled <= world.now
            made.append((agreement.name, cancelled, current))
        if later:
            made.append((f"{agreement.name} (starts {min(b.start for b in later):%b %d})", True, later))
    return made


def _line(rng: random.Random, line: Any, line_id: int, position: int) -> JSON:
    product = next(p for p in catalog.SOLD if p.code == line.product)
    price = float(line.unit_price) if line.kind == BILLABLE else 0.0
    record: JSON = {
        "id": line_id, "product_id": PRODUCT_IDS[product.code], "name": line.description or product.name,
        "description": product.name, "quantity": float(line.quantity), "price_retail": price,
        "price_cost": float(line.unit_cost), "taxable": False, "position": position + 1, "one_time_charge": False,
        "recurring_type_id": 1, "bill_all_units": line.included == 0,
        "bill_units_threshold": line.included or None,
    }
    if rng.random() < 0.15:  # the encoding of numbers is unconfirmed: some come as strings
        record["quantity"], record["price_retail"] = f"{line.quantity}.0", f"{price:.2f}"
    return record


def _customer(rng: random.Random, customer: Customer, name: str, customer_id: int, disabled: bool) -> JSON:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    site = customer.sites[0] if customer.sites else None
    domain = customer.website.removeprefix("https://").removeprefix("www.").strip("/") or "example.com"
    return {
        "id": customer_id, "firstname": first, "lastname": last, "fullname": f"{first} {last}",
        "business_name": name, "email": f"{first.lower()}@{domain}", "phone": customer.phone or None,
        "mobile": None, "created_at": _stamp(customer.entered), "updated_at": _stamp(customer.entered),
        "pdf_url": None, "address": site.address if site else None, "address_2": None,
        "city": site.city if site else None, "state": None, "zip": None, "latitude": None, "longitude": None,
        "notes": None, "get_sms": False, "opt_out": False, "disabled": disabled, "no_email": False,
        "location_name": None, "location_id": None, "properties": {}, "online_profile_url": None,
        "tax_rate_id": None, "notification_email": None, "invoice_cc_emails": None, "invoice_term_id": None,
        "referred_by": None, "ref_customer_id": None, "business_and_full_name": f"{name} - {first} {last}",
        "business_then_name": name, "contacts": [],
    }


def _product(product: catalog.Product) -> JSON:
    skus = [{"id": PRODUCT_IDS[product.code] % 10_000, "vendor_name": "Sandbox MSP", "sku": product.code}]
    if product.code in DISTRIBUTOR_SKUS:
        skus.append({"id": skus[0]["id"] + 1, "vendor_name": "Pax8", "sku": DISTRIBUTOR_SKUS[product.code]})
    return {
        "id": PRODUCT_IDS[product.code], "price_cost": float(product.cost), "price_retail": float(product.price),
        "condition": None, "description": product.name, "maintain_stock": False, "name": product.name,
        "quantity": 0, "warranty": None, "sort_order": None, "reorder_at": None,
        "disabled": product.code in RETIRED, "taxable": False, "product_category": "Managed Services",
        "category_path": "Managed Services", "upc_code": None, "discount_percent": None,
        "warranty_template_id": None, "qb_item_id": None, "desired_stock_level": None, "price_wholesale": 0,
        "notes": None, "tax_rate_id": None, "physical_location": None, "serialized": False, "vendor_ids": [],
        "product_skus": skus, "long_description": None, "location_quantities": [], "photos": [],
    }


def _next_first(now: datetime) -> datetime:
    """The first of next month, at midnight: when a monthly schedule next runs."""
    ahead = (now.replace(day=1) + timedelta(days=32)).replace(day=1)
    return ahead.replace(hour=0, minute=0, second=0, microsecond=0)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
