"""Microsoft 365 — Partner Center (distributor role), REST v1: a direct CSP partner's customers and what it bought.

The bought side of Microsoft 365 for partners who buy from Microsoft itself rather than through Pax8 or
Sherweb: each customer is an account, each paid subscription a `licenses:<product>:<sku>` quantity with its
commitment as a `Term`. It is a kind of its own beside `m365` (Graph, what each tenant *assigns*): the
credentials, consent and permission differ, so the connect modal asks for one set at a time (see
`connectors/m365.py`). Facts from `../shared/vendor-apis/microsoft-365.md` §1 and §3:

- Auth: client credentials against the partner's own tenant, `{login_url}/{tenant_id}/oauth2/v2.0/token`
  (the sign-in host per cloud, the choices `m365` offers), scope `https://api.partnercenter.microsoft.com/.default`
  (the v2 form of the documented resource; UNCONFIRMED in wording). App-only: no user, so no MFA prompt.
  Every request carries a new `MS-RequestId` and the run's `MS-CorrelationId`, as Partner Center asks.
- `GET /customers?size=500`, then `GET /customers/{id}/subscriptions` per customer. Collections page through
  `links.next`: its `uri` (relative to `/v1`) with its method, and every one of its `headers[]`
  (`MS-ContinuationToken`) sent with it (`connectors.paging.ContinuationLink`); no `next`, no more pages.
  Both lists are read that way, since the documents show the pattern on collections in general.
- Rate limit: 500 requests a minute (the subscription resource's documented limit, per tenant id). It is
  paced as one budget for the whole integration, the safe reading of "per tenant id"; a 429 waits out its
  `Retry-After`, or backs off without one.
- Errors are `{"code", "description", "data"}`; the description and code are shown, then what the status
  means. The token endpoint's refusals are Entra's `error_description`.

Readings chosen where the documents leave a fact open:

- The metric is `licenses:{productId}:{skuId}`, the offer id (`{productId}:{skuId}:{availabilityId}`) without
  its availability: the availability changes with the term, billing plan and market, while product and SKU
  are what one product is. So the monthly and annual subscriptions of Microsoft 365 Business Premium add up
  under one key (`CFQ7TTC0LCHC:0002`), the key Sherweb's `sku` has too, and the term tells them apart. A legacy
  offer id (a GUID, no colons) is kept whole.
- Which subscriptions count: status `active` only, and not a trial (`isTrial`), and only `Licenses` units.
  `suspended` (no longer billed: cancelled in its window, or suspended for non-payment), `deleted`,
  `expired`, `disabled`, `pending` and `none` are not seats the partner pays for; a trial is free; an
  Azure plan's usage-based quantity is no seat count.
- The term: `termDuration` P1M / P1Y / P3Y is Monthly / Annual / Triennial (another duration is kept as
  written), `commitmentEndDate` its last day (new-commerce ends are inclusive), and an `autoRenewEnabled`
  subscription renews the day after. A commitment end more than ten years ahead is Microsoft's "far away in
  the future" for a subscription that does not renew, and no end at all. The billing cycle is the
  subscription's `billingCycle`, lower case (monthly, annual, triennial).
- No unit price: these endpoints return none (prices need the pricing or invoice APIs, out of scope), so
  money for a client comes from the PSA's sale price wherever it bills the product.
- The customer's name is `companyProfile.companyName`, else its `domain`; a customer without an `id` is
  refused as malformed.

It never reads invoices, prices, users or anything inside a customer's tenant, and sends only GETs (and the
token POST).
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx

from connectors.auth import OAuth2PerTenant, Settings
from connectors.base import Connector, Field, Guidance, PriceBasis, Role
from connectors.endpoints import Endpoint, Item
from connectors.http import error_message
from connectors.m365 import M365, TenantTokenPaths
from connectors.paging import ContinuationLink
from connectors.ratelimit import RateLimit
from connectors.records import Account, Quantity, Record, Term

API = "https://api.partnercenter.microsoft.com/v1"
SCOPE = "https://api.partnercenter.microsoft.com/.default"
TERMS = {"P1M": "Monthly", "P1Y": "Annual", "P3Y": "Triennial"}
# past this, a commitment end date is Microsoft's "far away in the future": a term that does not end
NO_END_AFTER = timedelta(days=3653)
WORDS = {400: "Partner Center refused the request", 401: "the app's credentials or token were refused",
         403: "the app may not read this: App-only access to Partner Center is needed, and a reseller "
              "relationship with the customer",
         404: "no such customer under this partner",
         429: "Partner Center allows 500 subscription reads a minute; try again later"}


class Tracked(httpx.Auth):
    """Another auth's requests, each with a new `MS-RequestId` and the run's `MS-CorrelationId`."""

    requires_response_body = True

    def __init__(self, inner: httpx.Auth) -> None:
        self.inner, self.correlation = inner, str(uuid.uuid4())

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(getattr(self.inner, "secrets", ()))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["MS-RequestId"] = str(uuid.uuid4())
        request.headers["MS-CorrelationId"] = self.correlation
        yield from self.inner.auth_flow(request)


@dataclass(frozen=True)
class PartnerTenantToken(OAuth2PerTenant):
    """Entra ID's client-credentials token for the partner's own tenant (`tenant_id`), with Partner Center's ids."""

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return Tracked(super().build(settings, base_url))


class PartnerCenter(Connector):
    kind = "partnercenter"
    display_name = "Microsoft Partner Center"
    role = Role.BOTH  # like Pax8 and Sherweb: bought licences against PSA billing, and against devices or seats
    price_basis = PriceBasis.COST  # what Microsoft charges the partner, were a price ever read
    fields = (
        Field("base_url", "Partner Center API URL", default=API,
              hint="Partner Center's REST API; another cloud's Partner Center API URL may be typed instead."),
        # the sign-in host per cloud, the partner tenant and the app: the same facts, in the same words, as Graph's
        *(field for field in M365.fields if field.name != "base_url"),
    )
    guidance = Guidance(
        reads="Your customers (customer ID, which is the tenant ID, company name and default domain) and each "
              "customer's subscriptions (offer ID and name, quantity, status, trial flag, unit type, billing "
              "cycle, term, commitment end date and auto-renew).",
        why="Customers are matched to clients; active subscriptions are the licences bought from Microsoft for "
            "each client, compared with what the PSA bills (and with the seats assigned in the tenant); the term "
            "and commitment end date say when an over-bought annual or triennial seat can be reduced.",
        never_reads="Invoices, prices, payment details, customer users, or anything inside a customer's tenant: "
                    "no mail, files, Teams or passwords.",
        writes_back="Never. It sends only GET requests (and the token request); it never places an order, "
                    "changes a quantity, or suspends, cancels or renews a subscription.",
        revoke="in Partner Center, Account settings › App management, remove the key of the app made for "
               "BillingReconcile (or the app); in the Entra admin center, App registrations › the app › "
               "Certificates & secrets, delete its client secret.",
        permission="An app registered for App-only authentication in Partner Center's App management, in your "
                   "partner tenant, used only by BillingReconcile; Partner Center has no read-only role for "
                   "apps, so keep its secret to this one integration.",
    )
    metrics = {"licenses:*": "Licences on active, paid subscriptions, by Microsoft product and SKU "
                             "(productId:skuId of the offer ID, every term together)"}
    auth = PartnerTenantToken(token_path="{login_url}/{tenant}/oauth2/v2.0/token", scope=SCOPE)
    headers = {"Accept": "application/json", "X-Locale": "en-US"}
    rate_limit = RateLimit(500, 60, source="Partner Center subscription resources: 500 requests per minute per "
                                           "tenant id")
    paging = ContinuationLink()
    items_at = "items"

    test_call = Endpoint("customers", params={"size": 1})
    customers = Endpoint("customers")
    # the documents give no page size for a customer's subscriptions: the whole list, or its own next links
    subscriptions = Endpoint("customers/{id}/subscriptions", paging=ContinuationLink(size_param=None))

    def sync(self) -> Iterator[Record]:
        customers = []
        for customer in self.items(self.customers):
            customer_id = str(self.read.require(customer, "id"))
            profile = customer.get("companyProfile") or {}
            name = profile.get("companyName") or profile.get("domain")
            if not name:
                name = self.read.require(customer, "companyProfile.companyName")  # refused, naming the field
            customers.append({"id": customer_id})
            yield Account(customer_id, str(name))
        today = datetime.now(UTC).date()
        for customer, sub in self.walk(self.subscriptions, customers):
            if self.counts(sub):
                yield self.licences(customer["id"], sub, today)

    @staticmethod
    def counts(sub: Item) -> bool:
        """A seat the partner pays for: active, no trial, counted in licences (see the module docstring)."""
        return (str(sub.get("status") or "").lower() == "active" and not sub.get("isTrial")
                and str(sub.get("unitType") or "Licenses").lower() == "licenses")

    def licences(self, customer_id: str, sub: Item, today: date) -> Quantity:
        term = self.term(sub, today)
        name = str(sub.get("offerName") or sub.get("friendlyName") or "")
        return Quantity(customer_id, f"licenses:{self.product(sub)}", self.read.number(self.read.require(sub, "quantity")),
                        label=" · ".join(part for part in (name, term.words()) if part), term=term)

    def product(self, sub: Item) -> str:
        """`CFQ7TTC0LCHC:0002:CFQ7TTC0QJ2F` → `CFQ7TTC0LCHC:0002`; a legacy offer's GUID stays whole."""
        offer = str(self.read.require(sub, "offerId"))
        parts = offer.split(":")
        return ":".join(parts[:2]) if len(parts) == 3 else offer

    def term(self, sub: Item, today: date) -> Term:
        duration = str(sub.get("termDuration") or "").upper()
        ends = self.read.iso_datetime(sub.get("commitmentEndDate"))
        last = ends.date() if ends and ends.date() - today <= NO_END_AFTER else None
        renews = last + timedelta(days=1) if last and sub.get("autoRenewEnabled") is True else None
        return Term(str(sub.get("billingCycle") or "").lower(), TERMS.get(duration, duration or None), last, renews)

    def describe_error(self, response: httpx.Response) -> str:
        """Partner Center's `description` and `code` (`Customer not found (code 600008)`), or the sign-in's
        `error_description`; then what the status means."""
        try:
            body = response.json()
        except ValueError:
            body = None  # a gateway's HTML page is no message: its status says more
        said = ""
        if isinstance(body, dict):
            description = body.get("description")
            if isinstance(description, str) and description:
                said = description + (f" (code {body['code']})" if body.get("code") not in (None, "") else "")
            else:
                said = error_message(response)
        meaning = WORDS.get(response.status_code)
        return "; ".join(part for part in (said, meaning) if part) or response.reason_phrase

    @classmethod
    def read_posts(cls, base_url: str) -> frozenset[tuple[str, str | None]]:
        """The token request goes to the sign-in host, at the partner tenant's path: allowed as `TenantTokenPaths`."""
        return TenantTokenPaths(post for post in super().read_posts(base_url) if "oauth2/v2.0/token" not in post[0])
