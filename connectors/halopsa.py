"""HaloPSA (Halo API v2): clients, and what their recurring invoices bill, per item.

A recurring-invoice line bills `qty_order` units of its item (`item_code`) at `unit_price` when
the line is active and inside its dates, on an invoice that is not disabled and inside its dates,
under a client contract (where the line or invoice names one) that has not ended. Each such line
is one `billed:<item code>` quantity, as ConnectWise's additions are; reconcile adds them up.

Readings chosen where `../shared/vendor-apis/halopsa.md` leaves a fact open:

- Auth: the token is asked of `{base}/auth/token` (the doc's fallback, Halo's own auth server on
  the tenant's host), with `?tenant=` for a Halo-hosted tenant. The optional `/api/authinfo`
  discovery is not used: it may name another host, which would escape the private-URL rule the
  API URL is checked against and would receive the client secret.
- Scopes: Halo's read scope names are UNCONFIRMED; the default asks for
  `read:customers read:contracts read:invoices` and the admin may change the field to
  what the API application grants. `all` (the doc's example) is never the default.
- Included quantities: Halo's documented line has no included-quantity field; `qty_order` is the
  billed quantity (the MSP enters what it bills), so nothing is subtracted, and a negative quantity
  (a credit line) counts as 0, never below.
- Items: `item_code` names the product (the catalog code the checks use); a line without one is
  filed under `billed:item:<_itemid>` so it still shows, rather than failing the sync.
- Lines missing from the list (some tenants omit them despite `includelines=true`) are read per
  invoice from `GET /api/RecurringInvoice/{id}?includedetails=true`.
- Dates are naive ISO timestamps, taken as UTC; Halo writes an empty date as 1900-01-01, which
  means "none". ClientContract's end-date field is UNCONFIRMED: `end_date`, else `enddate`.
- Client, invoice, contract and line ids may be negative (the doc says so); none is assumed > 0.
- Rate limit and error body are UNCONFIRMED: 500 requests per 3 minutes is paced for; a 429's
  `Retry-After` is honoured (the shared client); an error body's `errors` strings, message or
  short plain text are shown, else what the status means here.

It sends only GETs (and the token POST); it never reads tickets, time, assets or invoice payments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from connectors.auth import OAuth2ClientCredentials, Settings
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.errors import ConfigError
from connectors.http import error_message
from connectors.paging import PageNumber
from connectors.ratelimit import RateLimit
from connectors.records import Account, Quantity, Record

HOSTED = "https://{tenant}.halopsa.com"
READ_SCOPES = "read:customers read:contracts read:invoices"
TENANT = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
PAGED = {"pageinate": "true"}
# what Halo's statuses mean for the user, where its (unconfirmed) body says nothing readable
WORDS = {400: "Halo refused the request", 401: "the client ID, secret or tenant was rejected",
         403: "the API application lacks a read permission it needs", 404: "no such record or API path",
         429: "Halo's rate limit was reached"}


class HaloCredentials(OAuth2ClientCredentials):
    """Halo's client-credentials grant: `?tenant=` for a hosted tenant, the scopes the admin set."""

    def token_request(self, settings: Settings, base_url: str) -> httpx.Request:
        url = httpx.URL(self.token_url(base_url))
        if settings.get("tenant"):
            url = url.copy_merge_params({"tenant": settings["tenant"]})
        return httpx.Request("POST", url, data={
            "grant_type": "client_credentials", "client_id": settings[self.client_id_field],
            "client_secret": settings[self.client_secret_field], "scope": settings.get("scope") or READ_SCOPES})


def halo_date(value: Any) -> datetime | None:
    """`"2026-06-01T00:00:00"` as an aware UTC datetime; None, "" and Halo's 1900-01-01 mean no date."""
    moment = HaloPSA.read.iso_datetime(value)
    return None if moment is None or moment.year <= 1900 else moment


def in_force(record: Item, now: datetime) -> bool:
    """An invoice or line started by now (or with no start) and not ended by now (or with no end)."""
    began, ended = halo_date(record.get("startdate")), halo_date(record.get("enddate"))
    return (began is None or began <= now) and (ended is None or ended > now)


def contract_ended(contract: Item, now: datetime) -> bool:
    """A client contract past its end date (field name UNCONFIRMED: `end_date`, else `enddate`)."""
    ended = halo_date(contract.get("end_date", contract.get("enddate")))
    return ended is not None and ended <= now


def billed_quantity(line: Item) -> Decimal:
    """The units a line bills: its `qty_order`, never below zero."""
    return max(HaloPSA.read.number(line.get("qty_order") or 0), Decimal(0))


class HaloPSA(Connector):
    kind = "halopsa"
    display_name = "HaloPSA"
    role = Role.BILLING
    fields = (
        Field("base_url", "Halo URL", default=HOSTED, choices=((HOSTED, "Halo-hosted (uses the tenant name)"),),
              hint="Halo-hosted: keep this and give the Tenant; self-hosted: https://<your Halo server> "
                   "(the Resource Server URL on Halo's API page works too)"),
        Field("tenant", "Tenant", required=False,
              hint="The name in <tenant>.halopsa.com; leave empty when self-hosted"),
        Field("client_id", "Client ID", hint="Configuration › Integrations › HaloPSA API › View Applications"),
        Field("client_secret", "Client secret", secret=True),
        Field("scope", "Scopes", default=READ_SCOPES, required=False,
              hint="The read scopes the API application grants, separated by spaces"),
    )
    guidance = Guidance(
        reads="Clients (id, name, inactive flag), client contracts (id, client, start and end dates), recurring "
              "invoices (client, contract, disabled flag, dates) and their lines: item code and description, "
              "quantity, unit price, active flag and dates.",
        why="Clients become the clients every other source is linked to; active recurring-invoice lines are what "
            "each client is billed for, item by item: the billed side of every check. Contracts say whether the "
            "agreement a line bills under has ended.",
        never_reads="Tickets, actions, time entries, assets, users and contacts, documents, KB articles, or "
                    "invoice payments.",
        writes_back="Never. It sends only GET requests (and the token request), and the API application it "
                    "uses holds read scopes alone.",
        revoke="in HaloPSA, Configuration › Integrations › HaloPSA API › View Applications, open the application "
               "made for BillingReconcile and delete it (or regenerate its client secret).",
        permission="A dedicated API application with Client ID and Secret (Services) authentication, run as an "
                   "agent whose role can read clients, contracts and invoices, granted only the read scopes "
                   "read:customers, read:contracts and read:invoices; never `all` or an edit scope.",
    )
    metrics = {"billed:*": "Billed units of an item on active recurring invoices, by item code"}
    auth = HaloCredentials(token_path="auth/token")
    headers = {"Accept": "application/json"}
    paging = PageNumber(param="page_no", size_param="page_size", size=100, start=1, total_items_at="record_count")
    rate_limit = RateLimit(500, 180, source="UNCONFIRMED: Halo documents a 429 but no number; 500 requests "
                                            "per 3 minutes is the budget a widely used Halo client keeps to")

    test_call = Endpoint("api/Client", params={**PAGED, "page_size": 1, "page_no": 1})
    clients = Endpoint("api/Client", params=PAGED, items_at="clients", keep=lambda client: not client.get("inactive"))
    contracts = Endpoint("api/ClientContract", params=PAGED, items_at="contracts")
    invoices = Endpoint("api/RecurringInvoice", params={**PAGED, "includelines": "true"}, items_at="invoices",
                        keep=lambda invoice: not invoice.get("disabled"))
    invoice = Endpoint("api/RecurringInvoice/{id}", params={"includedetails": "true"})

    @classmethod
    def clean_settings(cls, settings: Mapping[str, str]) -> dict[str, str]:
        """The hosted URL gets its tenant (one host-name label, so it cannot move the host); a pasted
        resource or authorisation server URL is cut back to its host."""
        clean = super().clean_settings(settings)
        clean["tenant"] = clean["tenant"].lower()
        if clean["tenant"] and not TENANT.fullmatch(clean["tenant"]):
            raise ConfigError(f"{cls.display_name}: the tenant is the name in <tenant>.halopsa.com "
                              "(letters, digits and hyphens)")
        if "{tenant}" in clean["base_url"]:
            if not clean["tenant"]:
                raise ConfigError(f"{cls.display_name} needs the Tenant for a Halo-hosted URL "
                                  "(or give your own server's URL)")
            clean["base_url"] = clean["base_url"].replace("{tenant}", clean["tenant"])
        # Halo's API page shows the resource server (…/api) and the authorisation server (…/auth): either is the host
        clean["base_url"] = re.sub(r"/(api|auth)/*$", "", clean["base_url"].rstrip("/"), flags=re.IGNORECASE)
        return clean

    def sync(self) -> Iterator[Record]:
        now = datetime.now(UTC)
        clients: set[str] = set()
        for client in self.items(self.clients):
            client_id = str(self.read.require(client, "id"))
            clients.add(client_id)
            yield Account(id=client_id, name=str(self.read.require(client, "name")))

        ended = {str(self.read.require(c, "id")) for c in self.items(self.contracts) if contract_ended(c, now)}
        for invoice in self.items(self.invoices):
            client_id = str(self.read.require(invoice, "client_id"))
            # an inactive client's invoice bills nobody; an ended one or one under an ended contract neither
            if client_id not in clients or not in_force(invoice, now) or self.contract(invoice) in ended:
                continue
            lines = invoice.get("lines")
            if lines is None:  # left out of the list: the invoice's own answer has them (or it has none)
                lines = self.one(self.invoice, invoice).get("lines") or []
            for line in lines:
                if line.get("isinactive") or not in_force(line, now) or self.contract(line) in ended:
                    continue
                yield Quantity(
                    account_id=client_id,
                    metric=f"billed:{self.product(line)}",
                    value=billed_quantity(line),
                    unit_price=self.read.optional_number(line.get("unit_price")),
                    label=str(line.get("item_shortdescription") or ""),
                )

    def contract(self, record: Item) -> str | None:
        """The contract a line or invoice names; Halo's 0 (or no field) names none."""
        contract = record.get("contract_id")
        return None if contract in (None, 0, "0", "") else str(contract)

    def product(self, line: Item) -> str:
        """The line's item code, the catalog code checks name; else its item id."""
        code = line.get("item_code")
        if code:
            return str(code)
        return f"item:{self.read.require(line, '_itemid')}"

    def describe_error(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        said = ""
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            said = "; ".join(str(e) for e in body["errors"] if isinstance(e, str))
        elif isinstance(body, dict):
            said = error_message(response)
        elif isinstance(body, str):
            said = body
        elif body is None and not response.text.lstrip().startswith("<"):
            said = response.text.strip()  # Halo answers some errors in plain text; a gateway's HTML page is no message
        words = WORDS.get(response.status_code)
        if said and words:
            return f"{said}: {words}"
        return said or words or response.reason_phrase
