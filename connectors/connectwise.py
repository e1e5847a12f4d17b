"""ConnectWise PSA (Manage): companies, and what their active agreements bill, per product.

Reads: `GET /company/companies`, `GET /finance/agreements` and each agreement's
`GET /finance/agreements/{id}/additions` (page-number paging, 1,000 a page, ordered by id),
with an API member's public/private key pair and the integration's `clientId`.
Never reads: tickets, time entries, contacts' personal details, invoices' payment data or
documents; never writes anything back.

An addition bills `quantity - lessIncluded` units of `product.identifier` at `unitPrice` when it
is Billable, already effective and not cancelled, on an agreement that is not cancelled. Each
such addition is one `billed:<product identifier>` quantity; reconcile adds them up per company.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.auth import Basic
from connectors.base import Connector, Field, Guidance, Role
from connectors.paging import PageNumber
from connectors.parse import iso_datetime, number, require
from connectors.records import Account, Quantity, Record

VENDOR = "ConnectWise PSA"
REGIONS = (
    ("https://api-na.myconnectwise.net/v4_6_release/apis/3.0", "North America cloud"),
    ("https://api-eu.myconnectwise.net/v4_6_release/apis/3.0", "Europe cloud"),
    ("https://api-au.myconnectwise.net/v4_6_release/apis/3.0", "Australia cloud"),
)


class ConnectWise(Connector):
    kind = "connectwise"
    display_name = VENDOR
    role = Role.BILLING
    fields = (
        Field("base_url", "API URL", default=REGIONS[0][0], choices=REGIONS,
              hint="Cloud region, or https://<your server>/v4_6_release/apis/3.0 when self-hosted"),
        Field("company_id", "Company ID", hint="The company name you type at the ConnectWise login"),
        Field("public_key", "Public key"),
        Field("private_key", "Private key", secret=True),
        Field("client_id", "Client ID", hint="Your integration's clientId from developer.connectwise.com"),
    )
    guidance = Guidance(
        reads="Companies, agreements and agreement additions: product, quantity, unit price and dates.",
        never_reads="Tickets, time entries, contacts, documents or invoice payment details.",
        role="A dedicated API Member whose security role has Inquire level on Companies and "
             "Finance › Agreements (and Procurement › Product Catalog), and nothing else.",
    )
    metrics = {"billed:*": "Billed units of a product on active agreements, by product identifier"}
    auth = Basic(username="{company_id}+{public_key}", password_field="private_key")
    headers = {"clientId": "{client_id}", "Accept": "application/json"}
    paging = PageNumber(param="page", size_param="pageSize", size=1000, start=1)

    def test(self) -> None:
        self.http.json("system/info")

    def sync(self) -> Iterator[Record]:
        now = datetime.now(UTC)
        ordered = {"orderBy": "id asc"}
        companies: set[str] = set()
        for company in self.http.items("company/companies", {"conditions": "deletedFlag=false", **ordered},
                                       paging=self.paging):
            companies.add(str(require(company, "id", VENDOR)))
            yield Account(id=str(company["id"]), name=str(require(company, "name", VENDOR)))
        for agreement in self.http.items("finance/agreements", {"conditions": "cancelledFlag=false", **ordered},
                                         paging=self.paging):
            if agreement.get("agreementStatus", "Active") != "Active":
                continue
            company_id = str(require(require(agreement, "company", VENDOR), "id", VENDOR))
            if company_id not in companies:
                continue  # the company was deleted: its agreement bills nobody
            path = f"finance/agreements/{require(agreement, 'id', VENDOR)}/additions"
            for addition in self.http.items(path, ordered, paging=self.paging):
                if bills_now(addition, now):
                    yield Quantity(
                        account_id=company_id,
                        metric=f"billed:{require(require(addition, 'product', VENDOR), 'identifier', VENDOR)}",
                        value=billable(addition),
                        unit_price=number(addition["unitPrice"], VENDOR) if addition.get("unitPrice") is not None else None,
                        label=str(addition.get("description") or ""),
                    )


def billable(addition: dict[str, Any]) -> Decimal:
    """Units billed: the quantity less what the agreement includes, never below zero."""
    units = number(addition.get("quantity", 0), VENDOR) - number(addition.get("lessIncluded") or 0, VENDOR)
    return max(units, Decimal(0))


def bills_now(addition: dict[str, Any], now: datetime) -> bool:
    """Billable, effective by now and not cancelled by now."""
    if addition.get("billCustomer", "Billable") != "Billable":
        return False
    effective = iso_datetime(addition.get("effectiveDate"), VENDOR)
    cancelled = iso_datetime(addition.get("cancelledDate"), VENDOR)
    return (effective is None or effective <= now) and (cancelled is None or cancelled > now)

