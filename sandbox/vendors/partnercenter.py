"""Fake Microsoft Partner Center REST v1 and Entra ID sign-in: a direct CSP partner's customers and subscriptions.

    POST /partnercenter/{tenant}/oauth2/v2.0/token            client credentials on the partner tenant,
                                                              scope https://api.partnercenter.microsoft.com/.default
    GET  /partnercenter/v1/customers                          ?size= (100 by default, 500 at most)
    GET  /partnercenter/v1/customers/{id}/subscriptions

A view of the truth's distributor role, bought from Microsoft itself: each live distributor account is a
customer (`id` = `companyProfile.tenantId` = the customer's Microsoft 365 tenant where it has one, `companyName`
the account's name, `domain` its tenant's `*.onmicrosoft.com`), and each of its Microsoft purchases a
subscription. Other makers' products (Bitdefender) are not sold through Partner Center, so they are not
listed, and this fake serves no `licences:` reading of theirs. Offer ids are the product's
`{productId}:{skuId}` and an availability id of its term (`CFQ7TTC0LCHC:0002:CFQ7TTC0xxxx`); an annual
purchase is `P1Y` billed `annual` to the truth's commitment end, a monthly one `P1M` to the day before its
next monthly anniversary; most renew on their own (`autoRenewEnabled`).

How the truth's traps look here: a cancelled purchase is `deleted`; a trial is `active` with `isTrial`;
pending and waiting ones are `pending`; one pending cancellation is `suspended`; one product in two terms is
two subscriptions under one product and SKU with two availabilities. A deleted distributor account has no
reseller relationship left and is not listed. Answers carry no price: these endpoints return none.

Collections are `{"totalCount", "items", "links", "attributes": {"objectType": "Collection"}}`; customers
page through `links.next` (`seekOperation=Next`, the `MS-ContinuationToken` header to send back), a
customer's subscriptions come whole. Errors are `{"code", "description", "data", "source"}`; a 429 carries
`Retry-After`. Sign-in and API share the prefix here (`login_url` is the prefix itself).
"""

from __future__ import annotations

import random
from typing import Any

from sandbox.auth import Bearer, ClientCredentials
from sandbox.paging import ContinuationPages, Envelope, Page, Whole, list_route
from sandbox.routing import Call, Incoming, Reply, Route
from sandbox.truth import catalog
from sandbox.truth.model import ACTIVE, CANCELLED, PENDING_CANCEL, TRIAL, Role, Subscription, World
from sandbox.truth.names import compact
from sandbox.vendor import FakeVendor, Owned, stable_uuid
# a reseller's view is Sherweb's shape (customers, their subscriptions by customer id, owners), and an NCE
# monthly term ends alike whoever resells it
from sandbox.vendors.sherweb import View, _month_term_end

API = "/v1"
PARTNER_TENANT = "7c2e9f41-3a6b-4d8e-b5c1-2f9a8e6d4b10"
CLIENT_ID = "5e8a1c3d-7b2f-4a9e-8c6d-sbxpcapp0001"
CLIENT_SECRET = "sbx-pc-secret-Wm4~Kd8Rz2Lq6Xv9Ts3Hn"
SCOPE = "https://api.partnercenter.microsoft.com/.default"
# a truth status as Partner Center words it; a trial is active, flagged `isTrial`
STATUSES = {ACTIVE: "active", CANCELLED: "deleted", TRIAL: "active", PENDING_CANCEL: "suspended"}
JSON = dict[str, Any]


def collection(page: Page) -> JSON:
    links: JSON = {"self": {"uri": "", "method": "GET", "headers": []}}
    if page.next:
        links["next"] = page.next
    return {"totalCount": len(page.items), "items": page.items, "links": links,
            "attributes": {"objectType": "Collection"}}


COLLECTION = Envelope(collection, items_at="items", next_at="links.next")
CUSTOMER_PAGES = ContinuationPages(COLLECTION, default=100, maximum=500, root=API)


class Grant(ClientCredentials):
    """Entra ID's token endpoint for the partner's own tenant; any other tenant is unknown to it."""

    def token(self, call: Call) -> Reply:
        if call.params["tenant"] != PARTNER_TENANT:
            return self.error(400, "invalid_request", f"AADSTS90002: Tenant '{call.params['tenant']}' not found.")
        return super().token(call)

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        url, arguments = super().request(root)
        return url.replace("{tenant}", PARTNER_TENANT), arguments


GRANT = Grant(("/{tenant}/oauth2/v2.0/token",), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
              scope=SCOPE, required=("client_id", "client_secret", "grant_type", "scope"),
              malformed="AADSTS900144: The request body must contain the parameters client_id, client_secret, "
                        "grant_type and scope.",
              denied=("invalid_client", "AADSTS7000215: Invalid client secret provided."))


class PartnerCenter(FakeVendor):
    kind = "partnercenter"
    display_name = "Microsoft Partner Center"
    roles = (Role.DISTRIBUTOR,)
    prefix = "/partnercenter"
    api_root = API
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"tenant_id": PARTNER_TENANT, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    token_lifetime = 3599.0
    prices = False  # the subscription resource has no price

    def declare_routes(self) -> tuple[Route, ...]:
        listed = list_route("GET", API + "/customers/{id}/subscriptions", self._subscriptions, Whole(COLLECTION))
        return (
            list_route("GET", API + "/customers", lambda call: call.view.customers, CUSTOMER_PAGES),
            Route("GET", API + "/customers/{id}/subscriptions",
                  lambda call: self._unknown(call) or listed.function(call), listing=listed.listing),
        )

    def settings(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url, "login_url": base_url.removesuffix(API), **self.credentials}

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:partnercenter")
        customers, subscriptions, owners = [], {}, {}
        for customer, account in world.accounts(Role.DISTRIBUTOR):
            if not account.live:
                continue  # the reseller relationship ended: Partner Center lists the customer no more
            tenant = customer.tenant.id if customer.tenant else stable_uuid(world.seed, "pc tenant", account.number)
            domain = next((a.domain for a in customer.accounts_of(Role.M365) if a.domain),
                          f"{compact(account.name)[:24] or 'tenant'}.onmicrosoft.com")
            customers.append({"id": tenant, "companyProfile": {
                "tenantId": tenant, "domain": domain, "companyName": account.name,
                "attributes": {"objectType": "CustomerCompanyProfile"}},
                "relationshipToPartner": "reseller", "attributes": {"objectType": "Customer"}})
            owners[tenant] = (customer, account)
            subscriptions[tenant] = [self._subscription(world, sub, rng) for sub in customer.purchases
                                     if catalog.bought(sub.product).vendor == "Microsoft"]
        rng.shuffle(customers)  # Partner Center's own order, not the PSA's
        return View(customers, subscriptions, owners)

    def _subscription(self, world: World, sub: Subscription, rng: random.Random) -> JSON:
        product = catalog.bought(sub.product)
        annual = sub.term == "annual"
        availability = "CFQ7TTC0" + stable_uuid("availability", product.maker_id, sub.term)[:4].upper()
        ends = sub.commitment_end or _month_term_end(sub.start.date(), world.now.date())
        return {
            "id": stable_uuid(world.seed, "pc subscription", sub.number),
            "offerId": f"{product.maker_id}:{availability}", "offerName": product.name,
            "friendlyName": product.name, "quantity": sub.quantity, "unitType": "Licenses",
            "creationDate": f"{sub.created:%Y-%m-%dT%H:%M:%SZ}", "effectiveStartDate": f"{sub.start:%Y-%m-%dT00:00:00Z}",
            "commitmentEndDate": f"{ends:%Y-%m-%dT00:00:00Z}", "status": STATUSES.get(sub.status, "pending"),
            "autoRenewEnabled": rng.random() < 0.8, "isTrial": sub.status == TRIAL, "billingType": "license",
            "billingCycle": "annual" if annual else "monthly", "termDuration": "P1Y" if annual else "P1M",
            "contractType": "subscription", "orderId": stable_uuid(world.seed, "pc order", sub.number),
            "attributes": {"etag": stable_uuid("etag", sub.number), "objectType": "Subscription"},
        }

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        kind, _, code = neutral.partition(":")
        products = {p.code: p for p in catalog.BOUGHT if p.vendor == "Microsoft"}
        return f"licenses:{products[code].maker_id}" if kind == "licences" and code in products else None

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"code": status, "description": message, "data": [], "source": "PartnerFD"})

    def _subscriptions(self, call: Call) -> list[JSON]:
        return call.view.subscriptions[call.params["id"]]

    def _unknown(self, call: Call) -> Reply | None:
        if call.params["id"] in call.view.subscriptions:
            return None
        return self.error(call.incoming, 404, f"Customer {call.params['id']} was not found.")
