"""The truth as Autotask serialises it: camelCase entities, numeric ids, ISO dates at midnight UTC.

    company  → {"id": 175, "companyName": "Acme Corporation", "companyNumber": "1001", "companyType": 1,
                "isActive": true, "parentCompanyID": null}
    contract → {"id": 29684001, "companyID": 175, "contractName": "…", "contractType": 7, "status": 1, …}
    unit     → {"id": 29683551, "contractID": 29684001, "contractServiceID": 29684101, "serviceID": 29682885,
                "startDate": "2026-05-01T00:00:00Z", "endDate": "2026-05-31T00:00:00Z", "units": 25, "price": 22.0, …}

Each PSA account is a company (a prospect's `companyType` is 3, a deleted company is inactive), each
agreement a recurring-service contract, each billable line a contract service of the MSP's catalog
service, with one contract service unit per monthly period: two periods back, this one, and the
next, cut to the line's own start and end. Only the current period's row carries what the line
bills now (its quantity less what the agreement includes); the others differ, as months do.

Autotask has no do-not-bill or no-charge flag on a contract service: such lines are simply not
there. A cancelled agreement is a contract with `status` 0 (inactive), or, every other one, a contract
still `status` 1 whose `endDate` has passed (Autotask leaves an expired contract's status alone);
its units rows carry on as if it ran, so only the contract says they do not bill.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sandbox.truth import catalog
from sandbox.truth.model import BILLABLE, BillingLine, Kind, Role, World
from sandbox.vendor import Owned

JSON = dict[str, Any]
CUSTOMER, PROSPECT = 1, 3  # companyType
RECURRING_SERVICE = 7
SERVICE_IDS = {product.code: 29682885 + 3 * n for n, product in enumerate(catalog.SOLD)}
PERIODS = (-2, -1, 0, 1)  # months around the current one that have a units row


def _picklist(name: str, *choices: tuple[int, str]) -> JSON:
    return {"name": name, "dataType": "integer", "isRequired": True, "isReadOnly": False, "isPickList": True,
            "picklistValues": [{"value": str(value), "label": label, "isDefaultValue": False, "sortOrder": n,
                                "parentValue": "", "isActive": True, "isSystem": True}
                               for n, (value, label) in enumerate(choices)]}


# the two picklists a reader of contracts needs, in Autotask's system values
CONTRACT_FIELDS = [
    {"name": "id", "dataType": "long", "isRequired": True, "isReadOnly": True, "isPickList": False},
    _picklist("contractType", (1, "Time and Materials"), (3, "Fixed Price"), (4, "Block Hours"), (6, "Retainer"),
              (7, "Recurring Service"), (8, "Per Ticket")),
    _picklist("status", (0, "Inactive"), (1, "Active")),
]


@dataclass(frozen=True)
class View:
    companies: list[JSON]
    contracts: list[JSON]
    contract_services: list[JSON]
    units: list[JSON]
    services: list[JSON]
    owners: dict[str, Owned]


def render(world: World) -> View:
    rng = random.Random(f"{world.seed}:autotask")
    today = world.now.date()
    companies, contracts, lines, units, owners = [], [], [], [], {}
    company_id, contract_id, line_id, unit_id = 175, 29684001, 29684101, 29683551
    cancelled = 0  # cancelled agreements so far: every other one is left "active" past its end
    for customer, account in world.accounts(Role.PSA):
        companies.append({"id": company_id, "companyName": account.name, "companyNumber": str(1000 + account.number),
                          "companyType": PROSPECT if customer.kind == Kind.PROSPECT else CUSTOMER,
                          "isActive": account.live, "parentCompanyID": None, "phone": customer.phone or None,
                          "webAddress": customer.website or None})
        owners[str(company_id)] = (customer, account)
        ids: dict[str, int] = {}
        for agreement in customer.agreements:
            ids[agreement.name] = contract_id
            if agreement.cancelled is not None:
                cancelled += 1
            expired_not_closed = agreement.cancelled is not None and cancelled % 2 == 1
            contracts.append({
                "id": contract_id, "companyID": company_id, "contractName": f"{account.name} - {agreement.name}",
                "contractNumber": f"C{contract_id % 100000:05d}", "contractType": RECURRING_SERVICE,
                "contractCategory": 1, "status": 1 if agreement.cancelled is None or expired_not_closed else 0,
                "startDate": _midnight(agreement.start.date()),
                "endDate": _midnight(agreement.cancelled.date() if agreement.cancelled else today.replace(
                    year=today.year + 1, day=min(today.day, 28))),
                "contractPeriodType": 3, "billToCompanyID": None,
            })
            contract_id += rng.randint(1, 5)
        for line in customer.billing:
            if line.kind != BILLABLE:
                continue  # Autotask has no do-not-bill or no-charge contract service
            product = _product(line.product)
            lines.append({
                "id": line_id, "contractID": ids[line.agreement], "serviceID": SERVICE_IDS[line.product],
                "unitPrice": float(line.unit_price), "unitCost": float(line.unit_cost),
                "internalCurrencyUnitPrice": float(line.unit_price),
                "internalCurrencyAdjustedPrice": float(line.unit_price),
                "invoiceDescription": line.description or product.name, "internalDescription": None,
                "quoteItemID": None,
            })
            for start, end, current in periods(line, today):
                billed = line.billed if current else max(line.billed + rng.choice((-2, -1, 1, 2, 3)), 0)
                units.append({
                    "id": unit_id, "contractID": ids[line.agreement], "contractServiceID": line_id,
                    "serviceID": SERVICE_IDS[line.product], "startDate": _midnight(start), "endDate": _midnight(end),
                    "units": billed, "price": float(line.unit_price), "cost": float(line.unit_cost),
                    "internalCurrencyPrice": float(line.unit_price),
                    "approveAndPostDate": _midnight(end + timedelta(days=1)) if end < today else None,
                    "organizationalLevelAssociationID": None, "vendorCompanyID": None,
                })
                unit_id += rng.randint(1, 3)
            line_id += rng.randint(1, 4)
        company_id += rng.randint(1, 6)
    services = [{"id": SERVICE_IDS[p.code], "name": p.name, "description": f"{p.name}, monthly",
                 "invoiceDescription": p.name, "unitPrice": float(p.price), "unitCost": float(p.cost),
                 "periodType": 3, "isActive": True, "billingCodeID": 29682801, "vendorCompanyID": 0}
                for p in catalog.SOLD]
    return View(companies, contracts, lines, units, services, owners)


def periods(line: BillingLine, today: date) -> list[tuple[date, date, bool]]:
    """The monthly units rows of a line around today: (start, end, whether it is today's period).

    A row is cut to the line's own start and to its last billed day; the day a line ends on is still
    billed (the truth ends it at a moment within that day, or later).
    """
    rows = []
    last = line.end.date() if line.end else None
    for shift in PERIODS:
        year, month = divmod(today.year * 12 + today.month - 1 + shift, 12)
        first = date(year, month + 1, 1)
        final = date(year, month + 1, calendar.monthrange(year, month + 1)[1])
        start, end = max(first, line.start.date()), min(final, last) if last else final
        if start <= end:
            rows.append((start, end, shift == 0 and start <= today <= end))
    return rows


def _product(code: str) -> catalog.Product:
    return next(p for p in catalog.SOLD if p.code == code)


def _midnight(day: date | datetime) -> str:
    return f"{day:%Y-%m-%d}T00:00:00Z"
