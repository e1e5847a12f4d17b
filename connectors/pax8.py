"""Pax8 (distributor): companies and their active subscriptions, as licence quantities per SKU.

Pax8 is the licensed side against RMM devices ("devices vs licenses") and the usage side against
PSA billing ("what we pay the distributor for, we should bill"), so its role is both. Each
subscription is one `licenses:<product SKU>` quantity; the SKU comes from `GET /products/{id}`,
read once per product.

Prices are the MSP's cost (`price_basis = COST`): the unit price is `Subscription.partnerCost`,
which Pax8 documents as the MSP's cost. `Subscription.price` (the price Pax8 holds for the end
customer) is not read: what the client is billed is the PSA's business, and a report prices a
variance with the PSA's sale price whenever there is one. Money priced from Pax8 is labelled *at
cost* and kept out of the "unbilled" total. UNCONFIRMED: the documented sample subscription has
no `partnerCost`; without it a subscription carries no price, and the PSA's price applies.

Each quantity carries its subscription's `Term`: `billingTerm` (Monthly, Annual, 2-Year, 3-Year…) as the
billing cycle, `commitmentTerm.term` ("1-Year", "3-Year") as the commitment and `commitmentTerm.endDate` as
its end, so a three-way check can say when over-bought seats can be reduced. Pax8 documents no renewal
date: `renews` stays None and the renewal is read as the day after the commitment ends. A subscription
without `commitmentTerm` has no commitment; its billing term then says how long it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.auth import OAuth2ClientCredentials
from connectors.base import Connector, Field, Guidance, PriceBasis, Role
from connectors.endpoints import Endpoint
from connectors.paging import PageNumber
from connectors.ratelimit import RateLimit
from connectors.records import Account, Quantity, Record, Term


class Pax8(Connector):
    kind = "pax8"
    display_name = "Pax8"
    role = Role.BOTH
    price_basis = PriceBasis.COST
    fields = (
        Field("base_url", "API URL", default="https://api.pax8.com/v1"),
        Field("client_id", "Client ID"),
        Field("client_secret", "Client secret", secret=True),
    )
    guidance = Guidance(
        reads="Companies (id, name, status), active subscriptions (company, product, quantity, the MSP's cost) and "
              "the SKU of each subscribed product.",
        why="Companies are matched to clients; active subscriptions are the licences bought for each client, "
            "compared with what the PSA bills and with the devices in use; the product SKU names a licence the "
            "same way every month.",
        never_reads="Contacts, invoices' payment details, orders, or anything inside a customer's tenant.",
        writes_back="Never. It sends only GET requests (and the token request); it never places, changes or "
                    "cancels an order or a subscription.",
        revoke="in the Pax8 app, Integrations › API Credentials, delete the credential made for BillingReconcile.",
        permission="A Pax8 API application (Integrations › API Credentials) used only by BillingReconcile; "
                   "Pax8 has no read-only API role, so keep the secret to this one integration.",
    )
    metrics = {"licenses:*": "Licences on active subscriptions, by Pax8 product SKU"}
    auth = OAuth2ClientCredentials(token_path="token", json_body=True,
                                   extra=(("audience", "https://api.pax8.com"),))
    paging = PageNumber(param="page", size_param="size", size=200, start=0, total_pages_at="page.totalPages")
    rate_limit = RateLimit(1000, 60, source="Pax8 developer portal: 1000 requests per minute")
    items_at = "content"

    test_call = Endpoint("companies", params={"page": 0, "size": 1})
    companies = Endpoint("companies", keep=lambda company: company.get("status", "Active") != "Deleted")
    subscriptions = Endpoint("subscriptions", params={"status": "Active"},
                             keep=lambda sub: sub.get("status") == "Active")
    # a product Pax8 has retired answers 404; its id then stands in for the SKU
    product = Endpoint("products/{productId}", missing_ok=True)

    def sync(self) -> Iterator[Record]:
        companies: set[str] = set()
        for company in self.items(self.companies):
            companies.add(str(self.read.require(company, "id")))
            yield Account(id=str(company["id"]), name=str(self.read.require(company, "name")))
        skus: dict[str, str] = {}
        for sub in self.items(self.subscriptions):
            company_id = str(self.read.require(sub, "companyId"))
            if company_id not in companies:
                continue  # a deleted company's leftovers are not anyone's licences
            product_id = str(self.read.require(sub, "productId"))
            if product_id not in skus:
                skus[product_id] = str((self.one(self.product, sub) or {}).get("sku") or product_id)
            yield Quantity(
                account_id=company_id,
                metric=f"licenses:{skus[product_id]}",
                value=self.read.number(sub.get("quantity", 0)),
                unit_price=self.read.optional_number(sub.get("partnerCost")),
                label=str(sub.get("productName") or ""),
                term=self.term(sub),
            )

    def term(self, sub: dict[str, Any]) -> Term:
        """`billingTerm` and `commitmentTerm{term, endDate}` as a `Term` (an empty one where Pax8 says neither)."""
        cycle = str(sub.get("billingTerm") or "").strip().lower()
        commitment = sub.get("commitmentTerm")
        if not isinstance(commitment, dict):
            return Term(cycle)
        ends = self.read.iso_datetime(commitment.get("endDate"))
        return Term(cycle, str(commitment.get("term") or "").strip() or None, ends.date() if ends else None)
