"""The truth as ConnectWise serialises it: camelCase, `{id, name}` references, `_info`, ISO dates with
`Z`, and no key at all for an empty value (ConnectWise omits nulls).

    company → {"id": 250, "identifier": "BluebirdLogistics", "name": "Bluebird Logistics LLC",
               "status": {"id": 1, "name": "Active"}, "types": [{"id": 1, "name": "Client"}],
               "deletedFlag": false, ...}

Ids are ConnectWise-like (companies from 250, agreements from 311, additions from 1423, with
gaps) and follow the truth's numbering, so the same world always gets the same ids.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.truth import catalog
from sandbox.truth.model import BILLABLE, DO_NOT_BILL, NO_CHARGE, Kind, Role, World
from sandbox.truth.names import CITIES, Name
from sandbox.vendor import Owned

JSON = dict[str, Any]
CONTACTS = ("Dana Whitfield", "Luis Ortega", "Priya Natarajan", "Tom Becker", "Grace Liu", "Omar Haddad",
            "Mia Kowalski", "Sam Eriksen", "Ava Brooks", "Noah Fischer", "Zoe Adeyemi", "Ethan Park")
STATES = ("CO", "TX", "AZ", "WA", "CA", "NE", "OK", "NV", "ID", "WI", "NC", "GA", "MN", "UT")
TYPES = {"Client": {"id": 1, "name": "Client"}, "Prospect": {"id": 5, "name": "Prospect"}}
BILL_CUSTOMER = {BILLABLE: "Billable", DO_NOT_BILL: "DoNotBill", NO_CHARGE: "NoCharge"}
CATALOG_IDS = {product.code: 812 + 7 * n for n, product in enumerate(catalog.SOLD)}
# fields a record may lack because their value is empty; conditions may still name them
OPTIONAL_FIELDS = frozenset({"datedeleted", "deletedby", "datecancelled", "reasoncancelled", "cancelleddate",
                             "enddate", "vendorsku", "manufacturerpartnumber"})


@dataclass(frozen=True)
class View:
    companies: list[JSON]
    agreements: list[JSON]
    additions: dict[str, list[JSON]]  # agreement id → its additions
    catalog: list[JSON]
    owners: dict[str, Owned]


def render(world: World) -> View:
    rng = random.Random(f"{world.seed}:connectwise")
    companies, agreements, additions, owners = [], [], {}, {}
    company_id, agreement_id, addition_id = 250, 311, 1423
    taken: set[str] = set()
    for customer, account in world.accounts(Role.PSA):
        city = customer.sites[0].city if customer.sites else rng.choice(CITIES)
        reference = {"id": company_id, "identifier": identifier(customer.name, taken), "name": account.name}
        deleted = None if account.live else world.now - timedelta(days=rng.randint(30, 400))
        companies.append(_compact({
            **reference, "status": {"id": 1, "name": "Active"},
            "addressLine1": f"{100 + company_id % 900} Main Street", "city": city,
            "state": STATES[CITIES.index(city) % len(STATES)] if city in CITIES else "CO",
            "zip": f"{80000 + company_id:05d}", "country": {"id": 1, "name": "United States"},
            "phoneNumber": customer.phone, "website": customer.website, "dateAcquired": _date(customer.entered),
            "types": [TYPES["Prospect" if customer.kind == Kind.PROSPECT else "Client"]],
            "leadFlag": customer.kind == Kind.PROSPECT, "deletedFlag": deleted is not None,
            "dateDeleted": _date(deleted), "deletedBy": "jdoe" if deleted else None, "_info": _info(customer.entered),
        }))
        owners[str(company_id)] = (customer, account)
        ids = {}
        for agreement in customer.agreements:
            ids[agreement.name] = agreement_id
            additions[str(agreement_id)] = []
            agreements.append(_compact({
                "id": agreement_id, "name": f"{account.name} - {agreement.name}",
                "type": {"id": 4, "name": "Managed Services"}, "company": reference,
                "contact": {"id": 100 + agreement_id % len(CONTACTS), "name": rng.choice(CONTACTS)},
                "startDate": _date(agreement.start), "noEndingDateFlag": True,
                "cancelledFlag": agreement.cancelled is not None, "dateCancelled": _date(agreement.cancelled),
                "reasonCancelled": "Replaced by a new agreement" if agreement.cancelled else None,
                "billingCycle": {"id": 1, "name": "Monthly"}, "billToCompany": reference, "taxable": False,
                "agreementStatus": "Cancelled" if agreement.cancelled else "Active", "_info": _info(agreement.start),
            }))
            agreement_id += rng.randint(1, 4)
        cancelled = {a.name for a in customer.agreements if a.cancelled}
        for line in customer.billing:
            parent = ids[line.agreement]
            billed = line.quantity - line.included
            additions[str(parent)].append(_compact({
                "id": addition_id, "product": {"id": CATALOG_IDS[line.product], "identifier": line.product},
                "quantity": line.quantity, "lessIncluded": line.included, "unitPrice": float(line.unit_price),
                "unitCost": float(line.unit_cost), "billCustomer": BILL_CUSTOMER[line.kind],
                "effectiveDate": _date(line.start), "cancelledDate": _date(line.end), "taxableFlag": False,
                "invoiceDescription": line.description, "purchaseItemFlag": False, "specialOrderFlag": False,
                "agreementId": parent, "description": line.description, "billedQuantity": billed, "uom": "Each",
                "extPrice": float(billed * line.unit_price), "extCost": float(billed * line.unit_cost),
                "margin": float(billed * (line.unit_price - line.unit_cost)),
                "agreementStatus": "Cancelled" if line.agreement in cancelled else "Active",
                "_info": _info(line.start),
            }))
            addition_id += rng.randint(1, 5)
        company_id += rng.randint(1, 9)
    items = [_compact({
        "id": CATALOG_IDS[p.code], "identifier": p.code, "description": p.name, "inactiveFlag": False,
        "subcategory": {"id": 3, "name": "Managed Services"}, "type": {"id": 2, "name": "Service"},
        "productClass": "Agreement" if p.recurring else "Service", "price": _money(p.price), "cost": _money(p.cost),
        "customerDescription": p.name, "vendorSku": p.maker_id or None,
        "manufacturerPartNumber": p.maker_id.split(":")[0] or None, "recurringFlag": p.recurring, "taxableFlag": False,
        "_info": {"lastUpdated": "2025-01-06T15:04:05Z", "updatedBy": "sbx-admin"},
    }) for p in catalog.SOLD]
    return View(companies, agreements, additions, items, owners)


def identifier(name: Name, taken: set[str]) -> str:
    """A ConnectWise company identifier: ASCII CamelCase, at most 25 characters, unique."""
    ascii_name = unicodedata.normalize("NFKD", name.base).encode("ascii", "ignore").decode()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_name.replace("&", " and ")).split()
    ident = "".join(word[:1].upper() + word[1:] for word in words)[:25]
    candidate, n = ident, 2
    while candidate in taken:
        candidate, n = f"{ident[:23]}{n}", n + 1
    taken.add(candidate)
    return candidate


def _compact(record: JSON) -> JSON:
    return {key: value for key, value in record.items() if value is not None}


def _date(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _money(value: Decimal) -> float:
    return float(value)


def _info(updated: datetime) -> dict[str, str]:
    return {"lastUpdated": updated.strftime("%Y-%m-%dT%H:%M:%SZ"), "updatedBy": "sbx-admin"}
