"""Pax8 (distributor): companies and their active subscriptions, as licence quantities per SKU.

Reads: `GET /companies`, `GET /subscriptions?status=Active` (page numbers from 0, 200 a page,
`page.totalPages` in the body) and `GET /products/{id}` once per product to learn its SKU, with
an OAuth2 client-credentials token for the audience `https://api.pax8.com`.
Never reads: contacts, invoices' payment details, orders, or anything inside a customer tenant.

Pax8 is the licensed side against RMM devices ("devices vs licenses") and the usage side against
PSA billing ("what we pay the distributor for, we should bill"), so its role is both. Each
subscription is one `licenses:<product SKU>` quantity at the subscription's price to the customer.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.auth import OAuth2ClientCredentials
from connectors.base import Connector, Field, Guidance, Role
from connectors.errors import BadResponse
from connectors.paging import PageNumber
from connectors.parse import number, require
from connectors.records import Account, Quantity, Record


class Pax8(Connector):
    kind = "pax8"
    display_name = "Pax8"
    role = Role.BOTH
    fields = (
        Field("base_url", "API URL", default="https://api.pax8.com/v1"),
        Field("client_id", "Client ID"),
        Field("client_secret", "Client secret", secret=True),
    )
    guidance = Guidance(
        reads="Companies, active subscriptions (product, quantity, price) and product SKUs.",
        never_reads="Contacts, invoices' payment details, orders, or anything inside a customer's tenant.",
        role="A Pax8 API application (Integrations › API Credentials) used only by BillingReconcile; "
             "Pax8 has no read-only API role, so keep the secret to this one integration.",
    )
    metrics = {"licenses:*": "Licences on active subscriptions, by Pax8 product SKU"}
    auth = OAuth2ClientCredentials(token_path="token", json_body=True,
                                   extra=(("audience", "https://api.pax8.com"),))
    paging = PageNumber(param="page", size_param="size", size=200, start=0, total_pages_at="page.totalPages")

    def test(self) -> None:
        self.http.json("companies", {"page": 0, "size": 1})

    def sku(self, product_id: str) -> str:
        """The product's SKU; a product Pax8 has retired (404) keeps its id as the key."""
        try:
            return str(self.http.json(f"products/{product_id}").get("sku") or product_id)
        except BadResponse as error:
            if error.status == 404:
                return product_id
            raise

    def sync(self) -> Iterator[Record]:
        companies: set[str] = set()
        for company in self.http.items("companies", paging=self.paging, items_at="content"):
            if company.get("status", "Active") == "Deleted":
                continue
            companies.add(str(require(company, "id", self.display_name)))
            yield Account(id=str(company["id"]), name=str(require(company, "name", self.display_name)))
        skus: dict[str, str] = {}
        for sub in self.http.items("subscriptions", {"status": "Active"}, paging=self.paging, items_at="content"):
            company_id = str(require(sub, "companyId", self.display_name))
            # a deleted company's leftovers are not anyone's licences
            if sub.get("status") != "Active" or company_id not in companies:
                continue
            product_id = str(require(sub, "productId", self.display_name))
            if product_id not in skus:
                skus[product_id] = self.sku(product_id)
            yield Quantity(
                account_id=company_id,
                metric=f"licenses:{skus[product_id]}",
                value=number(sub.get("quantity", 0), self.display_name),
                unit_price=number(sub["price"], self.display_name) if sub.get("price") is not None else None,
                label=str(sub.get("productName") or ""),
            )

