"""ConnectWise records as the PSA serialises them: camelCase, `{id, name}` references, `_info`, ISO
dates with `Z`, and no key at all for an empty value (ConnectWise omits nulls).

    company(c)  → {"id": 250, "identifier": "BluebirdLogistics", "name": "Bluebird Logistics LLC",
                   "status": {"id": 1, "name": "Active"}, "types": [{"id": 1, "name": "Client"}],
                   "deletedFlag": false, ...}
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.model import CwAddition, CwAgreement, CwCatalogItem, CwCompany, World
from sandbox.routing import once_per_world
from sandbox.world_connectwise import CONTACTS

JSON = dict[str, Any]
TYPES = {"Client": {"id": 1, "name": "Client"}, "Prospect": {"id": 5, "name": "Prospect"}}
# fields a record may lack because their value is empty; conditions may still name them
OPTIONAL_FIELDS = frozenset({"datedeleted", "deletedby", "datecancelled", "reasoncancelled", "cancelleddate",
                             "enddate", "vendorsku", "manufacturerpartnumber"})


@once_per_world
def companies(world: World) -> list[JSON]:
    return [company(c) for c in world.connectwise.companies]


@once_per_world
def agreements(world: World) -> list[JSON]:
    by_id = {c.id: c for c in world.connectwise.companies}
    return [agreement(a, by_id[a.company_id]) for a in world.connectwise.agreements]


def additions(world: World, agreement_id: int) -> list[JSON]:
    """One agreement's additions; none for an agreement that does not exist."""
    return _additions(world).get(agreement_id, [])


@once_per_world
def _additions(world: World) -> dict[int, list[JSON]]:
    parents = {a.id: a for a in world.connectwise.agreements}
    catalog_ids = {i.identifier: i.id for i in world.connectwise.catalog}
    grouped: dict[int, list[JSON]] = {a.id: [] for a in world.connectwise.agreements}
    for a in world.connectwise.additions:
        grouped[a.agreement_id].append(addition(a, parents[a.agreement_id], catalog_ids[a.product]))
    return grouped


@once_per_world
def catalog(world: World) -> list[JSON]:
    return [catalog_item(item) for item in world.connectwise.catalog]


def company(c: CwCompany) -> JSON:
    return _compact({
        "id": c.id, "identifier": c.identifier, "name": c.name, "status": {"id": 1, "name": "Active"},
        "addressLine1": f"{100 + c.id % 900} Main Street", "city": c.city, "state": c.state,
        "zip": f"{80000 + c.id:05d}", "country": {"id": 1, "name": "United States"}, "phoneNumber": c.phone,
        "website": c.website, "dateAcquired": _date(c.entered), "types": [TYPES[c.type]],
        "leadFlag": c.type == "Prospect", "deletedFlag": c.deleted is not None, "dateDeleted": _date(c.deleted),
        "deletedBy": "jdoe" if c.deleted else None, "_info": _info(c.entered),
    })


def reference(c: CwCompany) -> JSON:
    return {"id": c.id, "identifier": c.identifier, "name": c.name}


def agreement(a: CwAgreement, owner: CwCompany) -> JSON:
    return _compact({
        "id": a.id, "name": a.name, "type": {"id": 4, "name": "Managed Services"}, "company": reference(owner),
        "contact": {"id": 100 + CONTACTS.index(a.contact), "name": a.contact}, "startDate": _date(a.start),
        "noEndingDateFlag": True, "cancelledFlag": a.cancelled is not None, "dateCancelled": _date(a.cancelled),
        "reasonCancelled": "Replaced by a new agreement" if a.cancelled else None,
        "billingCycle": {"id": 1, "name": "Monthly"}, "billToCompany": reference(owner), "taxable": False,
        "agreementStatus": "Cancelled" if a.cancelled else "Active", "_info": _info(a.start),
    })


def addition(a: CwAddition, parent: CwAgreement, catalog_id: int) -> JSON:
    billed = a.quantity - a.less_included
    return _compact({
        "id": a.id, "product": {"id": catalog_id, "identifier": a.product}, "quantity": a.quantity,
        "lessIncluded": a.less_included, "unitPrice": _money(a.unit_price), "unitCost": _money(a.unit_cost),
        "billCustomer": a.bill_customer, "effectiveDate": _date(a.effective), "cancelledDate": _date(a.cancelled),
        "taxableFlag": False, "invoiceDescription": a.description, "purchaseItemFlag": False,
        "specialOrderFlag": False, "agreementId": parent.id, "description": a.description,
        "billedQuantity": billed, "uom": "Each", "extPrice": _money(billed * a.unit_price),
        "extCost": _money(billed * a.unit_cost), "margin": _money(billed * (a.unit_price - a.unit_cost)),
        "agreementStatus": "Cancelled" if parent.cancelled else "Active", "_info": _info(a.effective),
    })


def catalog_item(i: CwCatalogItem) -> JSON:
    return _compact({
        "id": i.id, "identifier": i.identifier, "description": i.description, "inactiveFlag": False,
        "subcategory": {"id": 3, "name": "Managed Services"}, "type": {"id": 2, "name": "Service"},
        "productClass": "Agreement" if i.recurring else "Service", "price": _money(i.price),
        "cost": _money(i.cost), "customerDescription": i.description, "vendorSku": i.vendor_sku or None,
        "manufacturerPartNumber": i.vendor_sku.split(":")[0] or None, "recurringFlag": i.recurring,
        "taxableFlag": False, "_info": {"lastUpdated": "2025-01-06T15:04:05Z", "updatedBy": "sbx-admin"},
    })


def _compact(record: JSON) -> JSON:
    return {key: value for key, value in record.items() if value is not None}


def _date(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _money(value: Decimal) -> float:
    return float(value)


def _info(updated: datetime) -> dict[str, str]:
    return {"lastUpdated": updated.strftime("%Y-%m-%dT%H:%M:%SZ"), "updatedBy": "sbx-admin"}
