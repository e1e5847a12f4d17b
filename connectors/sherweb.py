"""Sherweb (distributor), Partner API: customers and each customer's subscriptions, as licence quantities per SKU.

Like Pax8, Sherweb is the licensed side against RMM devices and the usage side against PSA billing,
so its role is both, and each subscription is one `licenses:<Sherweb sku>` quantity (the sku is
Microsoft's product id for Microsoft offers, `CFQ7TTC0LCHC:0002`), so a PSA-vs-distributor check is
written the same way for either distributor. Facts from Sherweb's own OpenAPI files
(`../shared/vendor-specs/sherweb/`):

- Auth: a client-credentials token from `/auth/oidc/connect/token` on the API's host (scope
  `service-provider`), and the partner portal's subscription key in `Ocp-Apim-Subscription-Key`
  on every call, the token request included (the API-management gateway checks it first).
- `GET /customers` and `GET /billing/subscriptions?customerId=` answer `{"items": [...]}` whole:
  Sherweb has no paging, so the sync is one customer list and one subscriptions call per customer.
  There is no cheaper authenticated read than the customer list, so it is the connection test too.
  An API URL given as the host alone (`https://api.sherweb.com`) gets the Service Provider path.

Readings chosen where the documents leave a fact open:

- Rate limits are UNCONFIRMED (Sherweb publishes none), so no `RateLimit` is declared: the default
  pace applies, one request at a time, and a 429 is retried after its `Retry-After`.
- A subscription has no status field: what Sherweb lists is what the partner holds, so every
  listed subscription counts at its `quantity`.
- A customer with `suspendedOn` at or before now is not read (like a deleted Pax8 company): it is
  no account, and its subscriptions are nobody's licences. A suspension dated ahead still counts.
- The unit price is `fees.recurringFee`, read as per unit (the documented sample: 25 seats at
  22.00) per billing cycle (UNCONFIRMED); a `yearly` fee is divided by 12 to be monthly like every
  other price, and a cycle that is neither monthly nor yearly (none, daily, weekly, unknown), or no
  `fees` at all, gives no price rather than a wrong one. The currency is not converted. Whether
  the fee is the partner's cost or the customer's retail price is UNCONFIRMED (the document says
  only "the recurring amount charge every cycle"); it is read as what Sherweb charges the
  partner, the MSP's cost (`price_basis = COST`), so money from it shows *at cost* and a PSA's
  sale price wins wherever the client is billed the product.
- The commitment term (`Annual`, `termEndDate`, renewal) and the billing cycle go in each
  quantity's label ("… · Annual term to 2026-12-31, renews 2027-01-01 · billed monthly"), so a
  reader sees when an over-bought seat can be reduced; `term()` gives them parsed.
- Errors are RFC 7807 problem details (`title`, `detail`); the gateway's own refusals (a wrong
  subscription key) are `{"statusCode", "message"}`. Both are shown in their words.

Receivable charges (unavailable while a PSA integration is enabled in Sherweb) and the distributor
API's payable charges are not read: subscriptions carry the quantities and fees a check needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from connectors.auth import OAuth2ClientCredentials, Settings
from connectors.base import Connector, Field, Guidance, PriceBasis, Role
from connectors.endpoints import Endpoint, Item
from connectors.http import error_message
from connectors.records import Account, Quantity, Record, Term

SUBSCRIPTION_KEY = "Ocp-Apim-Subscription-Key"
API_PATH = "/service-provider/v1"
# months in one billing cycle, for a monthly unit price; other cycles are not priced
CYCLE_MONTHS = {"monthly": 1, "yearly": 12}
# what Sherweb's statuses mean for the user, beside the body's own words
WORDS = {401: "the client id, secret or subscription key was rejected",
         403: "these API credentials may not read it (the service-provider scope is needed)",
         404: "no such customer", 429: "Sherweb's API gateway limited the request rate"}


@dataclass(frozen=True)
class SherwebToken(OAuth2ClientCredentials):
    """Sherweb's token: on the API's host (not under the API's path), with the subscription key."""

    key_field: str = "subscription_key"

    def token_url(self, base_url: str) -> str:
        # https://api.sherweb.com/service-provider/v1 → https://api.sherweb.com/auth/oidc/connect/token
        return str(httpx.URL(base_url.rstrip("/") + "/").join("../../" + self.token_path))

    def token_request(self, settings: Settings, base_url: str) -> httpx.Request:
        request = super().token_request(settings, base_url)
        request.headers[SUBSCRIPTION_KEY] = settings[self.key_field]
        return request


class Sherweb(Connector):
    kind = "sherweb"
    display_name = "Sherweb"
    role = Role.BOTH
    fields = (
        Field("base_url", "API URL", default="https://api.sherweb.com" + API_PATH,
              hint="Sherweb's Service Provider API; the token is fetched from the same host."),
        Field("client_id", "Client ID", hint="Partner portal › Security › APIs"),
        Field("client_secret", "Client secret", secret=True),
        Field("subscription_key", "Subscription key", secret=True,
              hint="The primary or secondary key shown beside the API credentials"),
    )
    guidance = Guidance(
        reads="Customers (id, name, reseller path, suspension date) and each customer's subscriptions "
              "(product name, SKU, quantity, billing cycle, recurring fee, commitment term and renewal date).",
        why="Customers are matched to clients; subscriptions are the licences bought for each client, compared "
            "with what the PSA bills and with the devices in use; the SKU names a licence the same way every "
            "month, and the term says when an over-bought one can be reduced.",
        never_reads="Mailbox contents, customer passwords, users, invoices, payment details or anything inside "
                    "a customer's tenant; receivable and payable charges are not read either.",
        writes_back="Never. It sends only GET requests (and the token request); it never places an order or "
                    "changes a subscription's quantity (the API's amendment call is never used).",
        revoke="in the Sherweb partner portal, Security › APIs, delete or regenerate the client secret and "
               "subscription key made for BillingReconcile.",
        permission="API credentials (Security › APIs) used only by BillingReconcile, with the service-provider "
                   "scope only; Sherweb has no read-only API role, so keep the secret to this one integration.",
    )
    metrics = {"licenses:*": "Licences on the customer's subscriptions, by Sherweb SKU"}
    auth = SherwebToken(token_path="auth/oidc/connect/token", scope="service-provider")
    headers = {SUBSCRIPTION_KEY: "{subscription_key}"}
    rate_limit = None  # Sherweb documents none (UNCONFIRMED); see the module docstring
    price_basis = PriceBasis.COST  # a distributor's fee is what the MSP pays it
    items_at = "items"

    test_call = Endpoint("customers")
    customers = Endpoint("customers")
    subscriptions = Endpoint("billing/subscriptions", params={"customerId": "{id}"})

    @classmethod
    def clean_settings(cls, settings: Mapping[str, str]) -> dict[str, str]:
        clean = super().clean_settings(settings)
        url = httpx.URL(clean["base_url"])
        if url.path.strip("/") == "":
            # only the host given (https://api.sherweb.com): the Service Provider API is under its own path
            clean["base_url"] = str(url.copy_with(path=API_PATH, query=None, fragment=None))
        return clean

    def sync(self) -> Iterator[Record]:
        now = datetime.now(UTC)
        customers = []
        for customer in self.items(self.customers):
            customer_id = str(self.read.require(customer, "id"))
            suspended = self.read.iso_datetime(customer.get("suspendedOn"))
            if suspended is not None and suspended <= now:  # naive stamps are read as UTC, as Sherweb means
                continue  # a suspended customer's leftovers are not anyone's licences
            customers.append({"id": customer_id})
            yield Account(id=customer_id, name=str(self.read.require(customer, "displayName")))
        for customer, sub in self.walk(self.subscriptions, customers):
            yield self.licences(customer["id"], sub)

    def licences(self, customer_id: str, sub: Item) -> Quantity:
        """One subscription as its SKU's licences, priced per unit per month where Sherweb says so."""
        term = self.term(sub)
        label = str(sub.get("productName") or sub.get("description") or "")
        return Quantity(
            account_id=customer_id,
            metric=f"licenses:{self.read.require(sub, 'sku')}",
            value=self.read.number(self.read.require(sub, "quantity")),
            unit_price=self.monthly_fee(sub.get("fees"), term.billing_cycle),
            label=" · ".join(part for part in (label, term.words()) if part),
            term=term,
        )

    def monthly_fee(self, fees: Any, cycle: str) -> Decimal | None:
        if not isinstance(fees, dict) or cycle not in CYCLE_MONTHS:
            return None
        fee = self.read.optional_number(fees.get("recurringFee"))
        return None if fee is None else fee / CYCLE_MONTHS[cycle]

    def term(self, sub: Item) -> Term:
        cycle = str(sub.get("billingCycle") or "").strip().lower()
        commitment = sub.get("commitmentTerm")
        if not isinstance(commitment, dict):
            return Term(cycle)
        renewal = commitment.get("renewalConfiguration")
        renews = renewal.get("renewalDate") if isinstance(renewal, dict) else None
        return Term(cycle, str(commitment.get("type") or "") or None, self._date(commitment.get("termEndDate")),
                    self._date(renews))

    def _date(self, value: Any) -> date | None:
        moment = self.read.iso_datetime(value)
        return moment.date() if moment else None

    def describe_error(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None  # a gateway's HTML page is no message: its status says more
        if isinstance(body, dict) and "statusCode" in body and isinstance(body.get("message"), str):
            return body["message"]  # the gateway's own sentence names what it refused (the key, the rate)
        said = ""
        if isinstance(body, dict):
            # RFC 7807: the title names the problem, the detail says which record
            said = ": ".join(str(body[k]) for k in ("title", "detail") if isinstance(body.get(k), str) and body[k])
            said = said or error_message(response)
        words = WORDS.get(response.status_code)
        if said and words:
            return f"{said}: {words}"
        return said or words or response.reason_phrase

