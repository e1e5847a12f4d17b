"""Pax8 records as the Partner API serialises them: UUID ids, ISO dates, prices as numbers.

    subscription(s) → {"id": "05c5…", "companyId": "fe7a…", "productId": "e91b…", "quantity": 25,
                       "status": "Active", "price": 22.0, "productName": "Microsoft 365 Business Premium", ...}
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sandbox.model import Pax8Company, Pax8Product, Pax8Subscription

JSON = dict[str, Any]
DESCRIPTIONS = {
    "Microsoft": "Cloud productivity and collaboration from Microsoft, billed per user per month.",
    "Bitdefender": "Endpoint protection for workstations and servers, billed per protected device.",
}


def company(c: Pax8Company) -> JSON:
    record: JSON = {
        "id": c.id, "name": c.name,
        "address": {"street": c.street, "city": c.city, "stateOrProvince": c.state, "postalCode": c.postal_code,
                    "country": "US"},
        "phone": c.phone, "website": c.website, "billOnBehalfOfEnabled": False, "selfServiceAllowed": False,
        "orderApprovalRequired": False, "status": c.status, "updatedDate": _stamp(c.updated),
    }
    if c.external_id:
        record["externalId"] = c.external_id
    return record


def product(p: Pax8Product, *, detailed: bool = False) -> JSON:
    record: JSON = {"id": p.id, "name": p.name, "vendorName": p.vendor, "shortDescription": p.name,
                    "sku": p.sku, "vendorSku": p.vendor_sku, "requiresCommitment": False}
    if detailed:
        record["description"] = DESCRIPTIONS.get(p.vendor, p.name)
    return record


def subscription(s: Pax8Subscription) -> JSON:
    record: JSON = {
        "id": s.id, "companyId": s.company_id, "productId": s.product_id, "quantity": s.quantity,
        "startDate": _stamp(s.start), "createdDate": _stamp(s.created), "updatedDate": _stamp(s.start),
        "billingStart": s.start.date().isoformat(), "status": s.status, "price": float(s.price),
        "currencyCode": "USD", "partnerCost": float(s.partner_cost), "productName": s.product_name,
        "billingTerm": s.billing_term,
    }
    if s.end:
        record["endDate"] = _stamp(s.end)
    if s.billing_term == "Annual":
        record["commitmentTerm"] = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, s.id)), "term": "1-Year",
                                    "endDate": _stamp(s.start.replace(year=s.start.year + 1, day=min(s.start.day, 28)))}
    return record


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
