"""ConnectWise PSA (Manage): companies, and what their active agreements bill, per product.

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
from connectors.endpoints import Endpoint
from connectors.paging import PageNumber
from connectors.records import Account, Quantity, Record

REGIONS = (
    ("https://api-na.myconnectwise.net/v4_6_release/apis/3.0", "North America cloud"),
    ("https://api-eu.myconnectwise.net/v4_6_release/apis/3.0", "Europe cloud"),
    ("https://api-au.myconnectwise.net/v4_6_release/apis/3.0", "Australia cloud"),
)
ORDERED = {"orderBy": "id asc"}


class ConnectWise(Connector):
    kind = "connectwise"
    display_name = "ConnectWise PSA"
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
        reads="Companies (id, name), agreements (company, status) and agreement additions: product, quantity, "
              "included quantity, unit price, billing flag and dates.",
        why="Companies become the clients every other source is linked to; agreement additions are what each "
            "client is billed for, product by product: the billed side of every check. Inquire on Companies "
            "lists them; Inquire on Finance › Agreements reads agreements and their additions; Inquire on "
            "Procurement › Product Catalog covers the catalog product each addition names.",
        never_reads="Tickets, time entries, contacts, configurations, documents or invoice payment details.",
        writes_back="Never. It sends only GET requests, and a role with Inquire level alone cannot change anything.",
        revoke="in ConnectWise PSA, System › Members › API Members, open the member made for BillingReconcile and "
               "delete its key on the API Keys tab (or deactivate the member).",
        permission="A dedicated API Member whose security role has Inquire level on Companies and Finance › "
                   "Agreements (and Procurement › Product Catalog), and nothing else.",
    )
    metrics = {"billed:*": "Billed units of a product on active agreements, by product identifier"}
    auth = Basic(username="{company_id}+{public_key}", password_field="private_key")
    headers = {"clientId": "{client_id}", "Accept": "application/json"}
    paging = PageNumber(param="page", size_param="pageSize", size=1000, start=1)

    test_call = Endpoint("system/info")
    companies = Endpoint("company/companies", params={"conditions": "deletedFlag=false", **ORDERED})
    agreements = Endpoint("finance/agreements", params={"conditions": "cancelledFlag=false", **ORDERED},
                          keep=lambda agreement: agreement.get("agreementStatus", "Active") == "Active")
    additions = Endpoint("finance/agreements/{id}/additions", params=ORDERED, each=agreements)

    def sync(self) -> Iterator[Record]:
        now = datetime.now(UTC)
        companies: set[str] = set()
        for company in self.items(self.companies):
            companies.add(str(self.read.require(company, "id")))
            yield Account(id=str(company["id"]), name=str(self.read.require(company, "name")))

        # a deleted company's agreement bills nobody: its additions are not read
        agreements = (a for a in self.items(self.agreements) if str(self.read.require(a, "company.id")) in companies)
        for agreement, addition in self.walk(self.additions, agreements):
            if bills_now(addition, now):
                yield Quantity(
                    account_id=str(agreement["company"]["id"]),
                    metric=f"billed:{self.read.require(addition, 'product.identifier')}",
                    value=billable(addition),
                    unit_price=self.read.optional_number(addition.get("unitPrice")),
                    label=str(addition.get("description") or ""),
                )


def billable(addition: dict[str, Any]) -> Decimal:
    """Units billed: the quantity less what the agreement includes, never below zero."""
    read = ConnectWise.read
    return max(read.number(addition.get("quantity", 0)) - read.number(addition.get("lessIncluded") or 0), Decimal(0))


def bills_now(addition: dict[str, Any], now: datetime) -> bool:
    """Billable, effective by now and not cancelled by now."""
    if addition.get("billCustomer", "Billable") != "Billable":
        return False
    effective = ConnectWise.read.iso_datetime(addition.get("effectiveDate"))
    cancelled = ConnectWise.read.iso_datetime(addition.get("cancelledDate"))
    return (effective is None or effective <= now) and (cancelled is None or cancelled > now)
