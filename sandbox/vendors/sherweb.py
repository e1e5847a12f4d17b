"""Fake Sherweb Partner API: the Service Provider API's customers and their subscriptions.

    POST /sherweb/auth/oidc/connect/token                       form body, scope service-provider
    GET  /sherweb/service-provider/v1/customers
    GET  /sherweb/service-provider/v1/billing/subscriptions     ?customerId= (required, a UUID)

A view of the truth's distributor role: each distributor account is a customer (`path` is the MSP,
then the customer), each active purchase a subscription under the product's maker id as its `sku`
(Microsoft's `CFQ7TTC0LCHC:0002`). An annual purchase is billed yearly (its `fees.recurringFee` is a year's fee per unit), a
monthly one monthly; every Microsoft purchase carries its `commitmentTerm` (an annual one to the
truth's commitment end, a monthly one to the day before its next monthly anniversary), with a
renewal unless it is set not to renew; other makers' products have no term.

How the truth's traps look here: Sherweb's subscriptions carry no status, so a cancelled, trial,
pending, pending-cancel or waiting purchase (`sub_*`) is simply not listed; a deleted distributor
account is a customer `suspendedOn` the day it went, still listed; one product in two terms
(`two_m365_subs`) is two subscriptions under one `sku`, one billed monthly, one yearly; a
distributor customer the PSA does not know is just another customer.

Lists come whole in `{"items": [...]}`: Sherweb has no paging. Every request, the token's included,
must carry the partner's subscription key (`Ocp-Apim-Subscription-Key`, or `subscription-key=` in
the query); the API-management gateway refuses a missing or wrong one in its own shape
(`{"statusCode", "message"}`), as it answers a 429 (with `Retry-After`). The API's own errors are
RFC 7807 problem details. Wrong client credentials are a 401 `invalid_client` (the documents give
no error answer for the token); tokens live 3600 s.
"""

from __future__ import annotations

import calendar
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from sandbox.auth import Bearer, ClientCredentials, Login
from sandbox.paging import Envelope, Whole, list_route
from sandbox.routing import Call, Incoming, Reply, Route
from sandbox.truth import catalog
from sandbox.truth.model import ACTIVE, Role, Subscription, World
from sandbox.vendor import FakeVendor, Owned, Spec, stable_uuid

if TYPE_CHECKING:
    from sandbox.tokens import TokenIssuer

API = "/service-provider/v1"
TOKEN_PATH = "/auth/oidc/connect/token"
CLIENT_ID = "sbx-sherweb-client-5Tq8Wm"
CLIENT_SECRET = "sbx-sherweb-secret-Jd4Hx9Lp2Vc7Nb6R"
SUBSCRIPTION_KEY = "0f3c9a7e5b1d4e2f8a6c3b9d7e1f5a2c"
KEY_HEADER, KEY_QUERY = "Ocp-Apim-Subscription-Key", "subscription-key"
MSP = "Sandbox MSP"
WHOLE = Whole(Envelope(lambda page: {"items": page.items}, items_at="items"))
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          500: "Internal Server Error"}
SECTIONS = {400: "6.5.1", 403: "6.5.3", 404: "6.5.4", 405: "6.5.5", 500: "6.6.1"}
MISSING_KEY = ("Access denied due to missing subscription key. Make sure to include subscription key when making "
               "requests to an API.")
WRONG_KEY = ("Access denied due to invalid subscription key. Make sure to provide a valid key for an active "
             "subscription.")

JSON = dict[str, Any]


def key_refusal(incoming: Incoming) -> str | None:
    """The gateway's words for a missing or wrong subscription key, None when it is right."""
    given = incoming.header(KEY_HEADER) or incoming.arg(KEY_QUERY)
    if given is None:
        return MISSING_KEY
    return None if given == SUBSCRIPTION_KEY else WRONG_KEY


def gateway(status: int, message: str) -> Reply:
    """An answer from Azure API Management in front of the API, not from the API itself."""
    return Reply(status, {"statusCode": status, "message": message})


@dataclass(frozen=True)
class KeyedGrant(ClientCredentials):
    """IdentityServer's client-credentials grant behind the gateway: the key first, then the client."""

    def token(self, call: Call) -> Reply:
        refused = key_refusal(call.incoming)
        return gateway(401, refused) if refused else super().token(call)

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        url, arguments = super().request(root)
        return url, arguments | {"headers": {KEY_HEADER: SUBSCRIPTION_KEY}}


GRANT = KeyedGrant((TOKEN_PATH,), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, scope="service-provider",
                   required=("client_id", "client_secret", "scope", "grant_type"), malformed="")


TERM_TYPES = {"monthly": "Monthly", "annual": "Annual", "triennial": "Triennial"}  # `commitmentTerm.type`


@dataclass(frozen=True)
class KeyedBearer(Bearer):
    """The gateway's subscription key, then the API's bearer token."""

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        return key_refusal(incoming) or super().refusal(incoming, tokens)

    def sign(self, request: httpx.Request, login: Login) -> None:
        request.headers[KEY_HEADER] = SUBSCRIPTION_KEY
        super().sign(request, login)


@dataclass(frozen=True)
class View:
    customers: list[JSON]
    subscriptions: dict[str, list[JSON]]  # by customer id
    owners: dict[str, Owned]


class Sherweb(FakeVendor):
    kind = "sherweb"
    display_name = "Sherweb"
    roles = (Role.DISTRIBUTOR,)
    prefix = "/sherweb"
    api_root = API
    grant = GRANT
    auth = KeyedBearer(GRANT)
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "subscription_key": SUBSCRIPTION_KEY}
    token_lifetime = 3600.0
    spec = Spec(("sherweb/service-provider-openapi.json", "sherweb/authorization-openapi.yaml"),
                "https://api.sherweb.com", roots=(("sherweb/service-provider-openapi.json", API),))

    def declare_routes(self) -> tuple[Route, ...]:
        listed = list_route("GET", API + "/billing/subscriptions", self._subscriptions, WHOLE)
        return (
            list_route("GET", API + "/customers", lambda call: call.view.customers, WHOLE),
            Route("GET", API + "/billing/subscriptions", lambda call: self._refused(call) or listed.function(call),
                  listing=WHOLE),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:sherweb")
        customers, subscriptions, owners = [], {}, {}
        for customer, account in world.accounts(Role.DISTRIBUTOR):
            customer_id = stable_uuid(world.seed, "sherweb customer", account.number)
            gone = None if account.live else world.now - timedelta(days=rng.randint(20, 200),
                                                                   seconds=rng.randint(0, 86399))
            customers.append({"id": customer_id, "displayName": account.name, "path": [MSP, account.name],
                              "suspendedOn": _stamp(gone) if gone else None})
            owners[customer_id] = (customer, account)
            subscriptions[customer_id] = [self._subscription(world, sub, rng) for sub in customer.purchases
                                          if sub.status == ACTIVE]
        rng.shuffle(customers)  # Sherweb lists customers in its own order, not the PSA's
        return View(customers, subscriptions, owners)

    def _subscription(self, world: World, sub: Subscription, rng: random.Random) -> JSON:
        product = catalog.bought(sub.product)
        yearly = sub.term != "monthly"  # annual and triennial terms are paid yearly; monthly terms monthly
        record: JSON = {
            "id": stable_uuid(world.seed, "sherweb subscription", sub.number), "productName": product.name,
            "description": f"{product.name} ({'NCE, ' if product.vendor == 'Microsoft' else ''}{sub.term})",
            "sku": product.maker_id, "quantity": sub.quantity, "billingCycle": "yearly" if yearly else "monthly",
            "fees": {"recurringFee": float(sub.cost * 12 if yearly else sub.cost), "setupFee": 0.0,
                     "currency": "Usd"},
        }
        # Microsoft's NCE offers run in terms (a monthly one renews on its start day each month); others have none
        ends = sub.commitment_end or (_month_term_end(sub.start.date(), world.now.date())
                                      if product.vendor == "Microsoft" else None)
        if ends:
            term: JSON = {"type": TERM_TYPES[sub.term], "termEndDate": ends.isoformat()}
            if rng.random() < 0.8:  # most renew on their own; the rest end with their term
                term["renewalConfiguration"] = {"renewalDate": (ends + timedelta(days=1)).isoformat(),
                                                "scheduledQuantity": None}
            record["commitmentTerm"] = term
        return record

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        kind, _, code = neutral.partition(":")
        codes = {p.code: p.maker_id for p in catalog.BOUGHT}
        return f"licenses:{codes[code]}" if kind == "licences" and code in codes else None

    def error(self, incoming: Incoming, status: int, message: str, title: str | None = None) -> Reply:
        """RFC 7807 problem details, as the API answers; a 429 only ever comes from its gateway."""
        if status == 429:
            return gateway(status, message)
        section = SECTIONS.get(status)
        return Reply(status, {
            "type": f"https://tools.ietf.org/html/rfc7231#section-{section}" if section else "about:blank",
            "title": title or TITLES.get(status, "Error"), "status": status, "detail": message,
            "instance": incoming.path,
        }, content_type="application/problem+json")

    def refuse(self, incoming: Incoming) -> Reply:
        refused = key_refusal(incoming)
        if refused:
            return gateway(401, refused)
        return self.error(incoming, 401, "The access token is missing, invalid or expired")

    def too_many(self, incoming: Incoming, seconds: int) -> Reply:
        reply = gateway(429, f"Rate limit is exceeded. Try again in {seconds} seconds.")
        reply.headers["Retry-After"] = str(seconds)
        return reply

    def list_query(self, route: Route, world: World) -> dict[str, str]:
        if not route.pattern.endswith("/billing/subscriptions"):
            return {}
        held = self.view(world).subscriptions
        return {"customerId": next(customer for customer, subs in held.items() if subs)}

    def _subscriptions(self, call: Call) -> list[JSON]:
        return call.view.subscriptions[call.incoming.arg("customerId")]

    def _refused(self, call: Call) -> Reply | None:
        """No customer id (400), one that is no UUID (400), or one the partner has no customer under (404)."""
        customer = call.incoming.arg("customerId")
        if customer is None or not UUID.match(customer):
            return self.error(call.incoming, 400, "The customerId field is required and must be a UUID.")
        if customer not in call.view.subscriptions:
            return self.error(call.incoming, 404, f"No customer {customer} under this service provider.",
                              "Customer not found")
        return None


def _month_term_end(start: date, today: date) -> date:
    """The last day of the monthly term running today: the day before the next monthly anniversary of `start`."""
    year, month = today.year, today.month
    while True:
        anniversary = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
        if anniversary > today:
            return anniversary - timedelta(days=1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _stamp(moment: datetime) -> str:
    """Sherweb's documented `yyyy-MM-ddTHH:mm:ss.fffffffK`: seven fraction digits, `K` being `Z` for UTC."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"
