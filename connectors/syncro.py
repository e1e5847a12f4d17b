"""Syncro (SyncroMSP) REST API v1: customers, and what their recurring invoices bill, per product.

Syncro calls a recurring invoice an Invoice Schedule. Each line of a schedule that is not paused,
of a customer that is not disabled, bills `quantity` units (less the units it includes) at
`price_retail`; each is one `billed:<product>` quantity, keyed as ConnectWise keys its additions
(the MSP's product code), so the same checks serve both PSAs. Reconcile adds them up per customer.

Readings chosen where `../shared/vendor-apis/syncro.md` leaves a fact open or Syncro has no word:

- The product code is the line's product's first SKU (`product_skus[0].sku`), where the MSP keeps
  its own code; a product without SKUs is keyed by its name, a line with no product by its own name.
  A product the list leaves out (retired, disabled) is read by its id once; gone (404), the line's
  name stands.
- Schedule *line* fields are UNCONFIRMED (the vendor spec's examples have `lines: []`; the names
  come from a live test): `quantity` and `price_*` are read as numbers even when they are strings.
  Included units are the write side's `bill_units_threshold` when `bill_all_units` is false; a line
  that says neither includes nothing. A `one_time_charge` line bills once, so it is no recurring
  billing. A line without `price_retail` is priced from `retail_cents` (the write side's unit),
  else from its product. A listed schedule that shows no lines is read again by its id (the spec's
  list example has `lines: []`; an empty schedule costs one request more).
- Syncro has no billable flag and no line dates. A paused schedule bills nothing (a cancelled
  agreement, or lines kept paused until they start); an ended line is gone from its schedule; a
  line at a retail price of 0 is given free, not billed (counting it would hide an under-billing
  behind the freebie; a bundle priced on another line then shows as under, which a person sees).
- A disabled customer is no client (`include_disabled` is left at its default, false, and a
  disabled record is skipped anyway); its schedules, which Syncro keeps listing, bill nobody.
- Paging is `?page=N` alone at Syncro's own page size (25 documented, 100 in its examples): the
  body's `meta.total_pages` ends it, or an empty page where there is no `meta` (products).
- 180 requests a minute per IP, declared as its `rate_limit`: requests are paced to 3 a second,
  and a 429 without `Retry-After` (whether Syncro sends one is UNCONFIRMED) waits out the minute
  before trying again.
- The API URL is `https://<subdomain>.syncromsp.com/api/v1`: the subdomain setting fills it (typed
  as `acme`, `acme.syncromsp.com` or the sign-in URL), and only a DNS label is taken, so a typed
  value cannot point the key at another host; a whole URL typed in its place is used as it is.
- The API token goes in `Authorization: Bearer`, never in the URL (the older `?api_key=` form
  would write it into every proxy's log); it is masked in every message and log line either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal

import httpx

from connectors.auth import ApiKeyHeader
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.errors import ConfigError
from connectors.http import worded
from connectors.paging import PageCount
from connectors.ratelimit import RateLimit
from connectors.records import Account, Quantity, Record

BASE_URL = "https://{subdomain}.syncromsp.com/api/v1"
# a DNS label: what may stand before .syncromsp.com
SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# what Syncro's statuses mean for the user, beside the body's own words
WORDS = {401: "the API token was refused (revoked, expired or mistyped)",
         403: "the API token lacks a permission it needs (Customers - List/Search, Recurring Invoices - List, "
              "Products - List/Search)",
         404: "no such record, or no such Syncro subdomain",
         429: "Syncro allows 180 requests a minute from one address"}


class Syncro(Connector):
    kind = "syncro"
    display_name = "Syncro"
    role = Role.BILLING
    fields = (
        Field("base_url", "API URL", default=BASE_URL,
              hint="Leave {subdomain} in place to fill it from the subdomain below, or type the whole URL"),
        Field("subdomain", "Syncro subdomain", required=False,
              hint="The acme in acme.syncromsp.com, where you sign in to Syncro"),
        Field("api_key", "API token", secret=True, hint="Admin › API Tokens › New Token, with custom permissions"),
    )
    guidance = Guidance(
        reads="Customers (id, business or contact name, disabled), recurring invoices (Invoice Schedules: customer, "
              "name, paused) and their line items (product, name, quantity, retail price, included units, one-time "
              "flag), and products (id, name, SKUs).",
        why="Customers become the clients every other source is linked to; the line items of each customer's "
            "active recurring invoices are what it is billed for, product by product: the billed side of every "
            "check. Products give each line the product code (SKU) the checks name.",
        never_reads="Tickets, invoices and estimates, payments and payment profiles, contacts, assets, scripts, "
                    "documents or remote-access sessions.",
        writes_back="Never. It sends only GET requests; it never changes a schedule or its lines, although a "
                    "Syncro API token with write permissions could.",
        revoke="in Syncro, Admin › API Tokens, delete the token made for BillingReconcile.",
        permission="A token of its own with custom permissions: Customers - List/Search, Recurring Invoices - List "
                   "and Products - List/Search, and nothing else.",
    )
    metrics = {"billed:*": "Billed units of a product on active recurring invoices, by product SKU"}
    auth = ApiKeyHeader("Authorization", field="api_key", prefix="Bearer ")
    headers = {"Accept": "application/json"}
    paging = PageCount(param="page", start=1, total_pages_at="meta.total_pages")
    rate_limit = RateLimit(180, 60, wait_out_window=True,
                           source="Syncro REST API docs: 180 requests per minute per IP")

    test_call = Endpoint("me")
    customers = Endpoint("customers", items_at="customers", keep=lambda customer: not customer.get("disabled"))
    products = Endpoint("products", items_at="products")
    product = Endpoint("products/{id}", missing_ok=True)
    schedules = Endpoint("schedules", items_at="schedules", keep=lambda schedule: not schedule.get("paused"))
    schedule = Endpoint("schedules/{id}")

    @classmethod
    def clean_settings(cls, settings: Mapping[str, str]) -> dict[str, str]:
        """The subdomain fills the API URL; `acme`, `acme.syncromsp.com` or its sign-in URL all name it."""
        clean = super().clean_settings(settings)
        if "{subdomain}" not in clean["base_url"]:
            return clean
        subdomain = clean["subdomain"].lower().removeprefix("https://").removeprefix("http://")
        subdomain = subdomain.split("/")[0].removesuffix(".syncromsp.com")
        if not subdomain:
            raise ConfigError(f"{cls.display_name} needs your Syncro subdomain (the acme in acme.syncromsp.com)")
        if not SUBDOMAIN.match(subdomain):
            raise ConfigError(f"{cls.display_name}: the subdomain may hold only letters, digits and hyphens "
                              "(the acme in acme.syncromsp.com)")
        clean["subdomain"] = subdomain
        clean["base_url"] = clean["base_url"].replace("{subdomain}", subdomain)
        return clean

    def sync(self) -> Iterator[Record]:
        customers: set[str] = set()
        for customer in self.items(self.customers):
            customer_id = str(self.read.require(customer, "id"))
            customers.add(customer_id)
            yield Account(id=customer_id, name=customer_name(customer))
        catalog = Catalog(self)
        for product in self.items(self.products):
            catalog.add(product)
        for schedule in self.items(self.schedules):
            customer_id = str(self.read.require(schedule, "customer_id"))
            if customer_id not in customers:
                continue  # a disabled customer's schedule bills nobody
            for line in self.lines(schedule):
                if line.get("one_time_charge") is True:
                    continue  # billed once, then dropped: no recurring billing
                code, list_price = catalog.product(line)
                price = self.unit_price(line, list_price)
                if price == 0:
                    continue  # given free, not billed
                yield Quantity(
                    account_id=customer_id,
                    metric=f"billed:{code or str(self.read.require(line, 'name')).strip()}",
                    value=billable(line),
                    unit_price=price,
                    label=str(line.get("name") or line.get("description") or ""),
                )

    def lines(self, schedule: Item) -> list[Item]:
        """A schedule's lines, from the list; read by id when the list shows none (its example's `lines: []`)."""
        if not schedule.get("lines"):
            schedule = self.read.require(self.one(self.schedule, schedule), "schedule")
        return list(schedule.get("lines") or [])

    def unit_price(self, line: Item, list_price: Decimal | None) -> Decimal | None:
        """The line's retail price; in cents where only those are given; else the product's list price."""
        if line.get("price_retail") is not None:
            return self.read.number(line["price_retail"])
        if line.get("retail_cents") is not None:
            return self.read.number(line["retail_cents"]) / 100
        return list_price

    def describe_error(self, response: httpx.Response) -> str:
        return worded(response, WORDS)


def customer_name(customer: Item) -> str:
    """A business goes by its business name; a person (no business name) by their full name."""
    for key in ("business_name", "fullname", "business_then_name"):
        if str(customer.get(key) or "").strip():
            return str(customer[key]).strip()
    return f"Syncro customer {customer['id']}"


def billable(line: Item) -> Decimal:
    """Units a recurring line bills: its quantity less the units it includes, never below zero."""
    read = Syncro.read
    quantity = read.number(line.get("quantity") or 0)
    included = Decimal(0)
    if line.get("bill_all_units") is False:
        included = read.number(line.get("bill_units_threshold") or 0)
    return max(quantity - included, Decimal(0))


class Catalog:
    """Product id → (the code a line is keyed by, its list price); a product the list left out is read
    once by its id, and one Syncro no longer has keys its lines by their own names."""

    def __init__(self, connector: Syncro) -> None:
        self.connector = connector
        self.known: dict[str, tuple[str | None, Decimal | None]] = {}

    def add(self, product: Item) -> None:
        read = self.connector.read
        self.known[str(read.require(product, "id"))] = (product_code(product),
                                                        read.optional_number(product.get("price_retail")))

    def product(self, line: Item) -> tuple[str | None, Decimal | None]:
        if line.get("product_id") is None:
            return None, None
        product_id = str(line["product_id"])
        if product_id not in self.known:
            found = self.connector.one(self.connector.product, {"id": product_id})
            product = found.get("product") if isinstance(found, dict) else None
            if isinstance(product, dict) and product.get("id") is not None:
                self.add(product)
            else:
                self.known[product_id] = (None, None)
        return self.known[product_id]


def product_code(product: Item) -> str | None:
    """The product's first SKU, else its name; None for no product at all."""
    for sku in product.get("product_skus") or []:
        if isinstance(sku, dict) and str(sku.get("sku") or "").strip():
            return str(sku["sku"]).strip()
    name = str(product.get("name") or "").strip()
    return name or None
