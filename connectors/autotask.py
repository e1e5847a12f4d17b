"""Autotask PSA (Datto), REST API v1.0: companies, and what their recurring-service contracts bill, per service.

First the zone: `GET …/zoneInformation?user=<UserName>` (no credentials) names the REST base of the
tenant's zone, and every later call goes there with the `ApiIntegrationCode`, `UserName` and `Secret`
headers. The reads are Autotask's documented query calls, POSTs with a filter body (declared reads:
`read_posts()` is the read-only allow-list), 500 records a page, paging on at `pageDetails.nextPageUrl`.

A contract service unit bills when it is the row of the current period (`startDate <= today <=
endDate`, whole days: Autotask's `endDate` is the period's last day at midnight) on a contract that
is a Recurring Service contract (`contractType`), Active (`status`) and not past its `endDate`, of an
active company. It is one `billed:<service name>` quantity of its `units` at its `price`;
reconcile adds a service's rows up per company. Services on inactive or expired contracts, units of
other periods and inactive companies count for nothing.

Readings chosen where `../shared/vendor-apis/autotask.md` leaves a fact open (UNCONFIRMED there):

- The metric key is the Service's `name`: Autotask has no product code, and keeps service names
  unique; the key is what a billing admin sees in Autotask (`billed:Managed Workstation`).
- `ContractServiceUnits.price` is taken as the unit price; where it is missing, the contract service's
  `unitPrice`.
- Picklist integers vary per tenant: a contract's `contractType` and `status` values are looked up by
  label ("Recurring Service", "Active") in `Contracts/entityInformation/fields`, read as
  `{"fields": [{"name", "picklistValues": [{"value", "label"}]}]}` (that shape is unconfirmed); where
  there is no such answer, the system defaults 7 and 1 stand.
- A POST query's next page is POSTed again with the same body at `nextPageUrl` (as one client does;
  whether a GET would do is unconfirmed). The link is opaque, but must stay under the query's own
  path (`…/Companies/query/next`, in any letter case); one elsewhere is refused.
- Only `url` of the zone answer is read; it must be on the discovery host's own domain (autotask.net
  for the default), so a forged answer cannot send the credentials elsewhere. The zone is looked up
  at the start of every connection test and sync, so a tenant Autotask moved is found by the next.
- The throttle answer is taken to be a 429 with `Retry-After` (retried); an unknown API user makes
  discovery answer 500, said so in words. `errors` is an array of strings, or of `{message, field}`.

Pace: 10,000 requests an hour per Autotask database (`rate_limit`, shared with the tenant's other
integrations) and one request at a time, inside the limit of 3 concurrent per integration code.
Each sync first reads `ThresholdInformation` (field names read in any case, UNCONFIRMED) and goes
at half the pace once half the hour's quota is used, a quarter past three quarters.
It never reads tickets, time entries, contacts, notes, invoices' payment details or attachments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from connectors.auth import HeaderSet
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.errors import BadResponse, VendorUnavailable
from connectors.http import error_message
from connectors.paging import NextLink
from connectors.ratelimit import RateLimit
from connectors.records import Account, Quantity, Record

DISCOVERY = "https://webservices.autotask.net/atservicesrest"
PAGE_SIZE = 500  # Autotask's most per page
IN_LIMIT = 500  # Autotask's most OR conditions in one filter: contract ids per query
RECURRING_SERVICE, ACTIVE = 7, 1  # contractType, contract status
HOURLY_LIMIT = 10_000
QUOTA_STEPS = ((0.75, 4), (0.5, 2))  # share of the hourly quota used → how many times slower to go
ALL = {"op": "exist", "field": "id"}  # a query must filter; this one keeps every record


def query(*conditions: dict[str, Any]) -> dict[str, Any]:
    """A query body: every condition must hold; 500 records a page."""
    return {"filter": list(conditions) or [ALL], "MaxRecords": PAGE_SIZE}


def eq(field: str, value: Any) -> dict[str, Any]:
    return {"op": "eq", "field": field, "value": value}


class Autotask(Connector):
    kind = "autotask"
    display_name = "Autotask PSA"
    role = Role.BILLING
    fields = (
        Field("base_url", "Zone discovery URL", default=DISCOVERY,
              choices=((DISCOVERY, "Autotask (finds your zone from the API user)"),),
              hint="Autotask finds the zone your API user lives in; change this only for a test sandbox"),
        Field("username", "API user name", hint="The API-only user's username (Admin › Resources/Users)"),
        Field("integration_code", "API tracking identifier",
              hint="The tracking identifier on the API user's API Tracking Identifier tab"),
        Field("secret", "API user secret", secret=True),
    )
    guidance = Guidance(
        reads="Companies (id, name, active flag), recurring-service contracts (company, type, status, dates), "
              "their contract services (service, unit price, invoice description), contract service units "
              "(period dates, units, price), the service catalog (service names) and how much of the hour's "
              "API quota is used.",
        why="Companies become the clients every other source is linked to; each contract service unit of the "
            "current period is what a client is billed for, service by service: the billed side of every check. "
            "The security level needs Contracts and CRM › Companies at view level, and the service catalog.",
        never_reads="Tickets, time entries, contacts, notes, opportunities, attachments or invoice payment "
                    "details.",
        writes_back="Never. Its only requests are the zone lookup and Autotask's documented read queries (POST "
                    "…/query with a filter body, which change nothing); it sends no create, update or delete.",
        revoke="in Autotask, Admin › Account Settings & Users › Resources/Users, open the API user made for "
               "BillingReconcile and deactivate it (or reset its secret).",
        permission="A dedicated API-only user (license type API User) with a security level that can view "
                   "CRM › Companies and Contracts (and the service catalog) and nothing else; tie it to "
                   "BillingReconcile's tracking identifier.",
    )
    metrics = {"billed:*": "Billed units of a service on active recurring-service contracts, by service name"}
    auth = HeaderSet((("ApiIntegrationCode", "{integration_code}"), ("UserName", "{username}"),
                      ("Secret", "{secret}")))
    headers = {"Accept": "application/json"}
    rate_limit = RateLimit(HOURLY_LIMIT, 3600, concurrent=3,
                           source="Autotask REST thresholds and thread limiting: 10,000 requests an hour per "
                                  "database, 3 at a time per endpoint and tracking identifier")
    paging = NextLink(at="pageDetails.nextPageUrl", follow="{path}/next")
    items_at = "items"

    zone_lookup = Endpoint("v1.0/zoneInformation")  # at the discovery URL, with ?user= and no credentials
    test_call = Endpoint("v1.0/Companies/query", method="POST", body={"filter": [ALL], "MaxRecords": 1})
    companies = Endpoint("v1.0/Companies/query", method="POST", body=query(eq("isActive", True)))
    contract_fields = Endpoint("v1.0/Contracts/entityInformation/fields", missing_ok=True)
    contracts = Endpoint("v1.0/Contracts/query", method="POST",
                         body=query(eq("contractType", RECURRING_SERVICE), eq("status", ACTIVE)))
    services = Endpoint("v1.0/Services/query", method="POST", body=query())
    service = Endpoint("v1.0/Services/{id}")
    threshold = Endpoint("v1.0/ThresholdInformation", missing_ok=True)
    contract_services = Endpoint("v1.0/ContractServices/query", method="POST", body=query())
    units = Endpoint("v1.0/ContractServiceUnits/query", method="POST", body=query())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zoned = False

    def test(self) -> None:
        self.find_zone()
        super().test()

    def find_zone(self) -> None:
        """Move the client to the zone Autotask names for this API user (once)."""
        if self.zoned:
            return
        try:
            zone = self.http.json(self.zone_lookup.path, {"user": self.settings["username"]}, anonymous=True)
        except VendorUnavailable as error:
            if error.status != 500:
                raise
            raise VendorUnavailable(f"{error.message}. Autotask answers so for an API user it does not know: "
                                    "check the API user name", status=500) from None
        url = httpx.URL(str(self.read.require(zone, "url")))
        discovery = httpx.URL(self.settings["base_url"])
        if not own_domain(url, discovery):
            raise BadResponse(f"{self.display_name}: zone discovery named {url.scheme}://{url.host}, which is not "
                              f"on {discovery.host}'s domain; stopping before any credential is sent there")
        self.http.rebase(str(url))
        self.zoned = True

    def mind_the_quota(self) -> None:
        """Slow down early when the database's hourly quota is filling (Autotask adds latency past
        half of it and refuses calls past all of it): half the pace past 50 %, a quarter past 75 %."""
        reading = self.one(self.threshold)
        if not isinstance(reading, dict):
            return  # no quota reading on this server: the documented pace stands
        fields = {str(key).lower(): value for key, value in reading.items()}
        try:
            used = float(fields["currenttimeframerequestcount"]) / float(fields["externalrequestthreshold"])
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return  # a reading we cannot make sense of changes nothing
        for share, slower in QUOTA_STEPS:
            if used >= share:
                self.http.limiter.slow_to(self.rate_limit.per_second / slower)
                return

    def sync(self) -> Iterator[Record]:
        self.find_zone()
        self.mind_the_quota()
        today = datetime.now(UTC).date()
        companies: set[str] = set()
        for company in self.items(self.companies):
            companies.add(str(self.read.require(company, "id")))
            yield Account(id=str(company["id"]), name=str(self.read.require(company, "companyName")))
        billing: dict[str, str] = {}  # contract id → its company's id
        ids: list[Any] = []  # the same ids as Autotask wrote them, for the units queries' filters
        kind, active = self.picklist_values()
        for contract in self.items(self.contracts, body=query(eq("contractType", kind), eq("status", active))):
            owner = str(self.read.require(contract, "companyID"))
            if owner in companies and self.runs(contract, today, kind, active):
                ids.append(self.read.require(contract, "id"))
                billing[str(ids[-1])] = owner
        names = {str(self.read.require(s, "id")): str(self.read.require(s, "name")) for s in self.items(self.services)}
        for start in range(0, len(ids), IN_LIMIT):
            yield from self.billed(ids[start:start + IN_LIMIT], billing, names, today)

    def billed(self, contracts: list[Any], billing: dict[str, str], names: dict[str, str],
               today: date) -> Iterator[Quantity]:
        """The current period's units of these contracts' services, one quantity per row."""
        of_these = {"op": "in", "field": "contractID", "value": contracts}
        services = {str(self.read.require(s, "id")): s
                    for s in self.items(self.contract_services, body=query(of_these))}
        current = query(of_these, {"op": "lte", "field": "startDate", "value": f"{today}T00:00:00Z"},
                        {"op": "gte", "field": "endDate", "value": f"{today}T00:00:00Z"})
        for unit in self.items(self.units, body=current):
            contract = str(self.read.require(unit, "contractID"))
            if contract not in billing or not self.within(unit, today):
                continue  # the filter should leave none of these; a vendor that ignores part of it still counts right
            service_id = str(self.read.require(unit, "serviceID"))
            if service_id not in names:
                names[service_id] = self.service_name(service_id, contract)
            line = services.get(str(unit.get("contractServiceID")), {})
            price = self.read.optional_number(unit.get("price"))
            yield Quantity(
                account_id=billing[contract], metric=f"billed:{names[service_id]}",
                value=self.read.number(unit.get("units") or 0),
                unit_price=price if price is not None else self.read.optional_number(line.get("unitPrice")),
                label=str(line.get("invoiceDescription") or names[service_id]),
            )

    def service_name(self, service_id: str, contract: str) -> str:
        """A service the catalog query left out, read by its id; one that is not there fails the sync."""
        found = self.one(self.service, {"id": service_id})
        # Autotask wraps one entity as {"item": {...}} (null when there is none); a bare record is read too
        record = found.get("item", found) if isinstance(found, dict) else None
        if not isinstance(record, dict):
            raise BadResponse(f"{self.display_name}: contract {contract} bills service {service_id}, which "
                              "Autotask does not have")
        return str(self.read.require(record, "name"))

    def picklist_values(self) -> tuple[Any, Any]:
        """This tenant's (contractType of a recurring-service contract, status of an active one).

        Picklist integers are the tenant's own: they are read from the contract fields' picklists by
        label, and where Autotask gives no readable picklist, its system defaults (7 and 1) stand.
        """
        described = self.one(self.contract_fields)
        listed = described.get("fields") if isinstance(described, dict) else described
        picklists = {str(f.get("name", "")).lower(): f.get("picklistValues") or []
                     for f in listed or [] if isinstance(f, dict)}

        def value(field: str, wanted: str, default: int) -> Any:
            for choice in picklists.get(field.lower(), []):
                if isinstance(choice, dict) and str(choice.get("label", "")).strip().lower() == wanted:
                    found = choice.get("value")
                    return int(found) if str(found).lstrip("-").isdigit() else found
            return default

        return value("contractType", "recurring service", RECURRING_SERVICE), value("status", "active", ACTIVE)

    def runs(self, contract: Item, today: date, kind: Any = RECURRING_SERVICE, active: Any = ACTIVE) -> bool:
        """A recurring-service contract that is active and neither ended nor yet to begin."""
        if str(contract.get("contractType")) != str(kind) or str(contract.get("status")) != str(active):
            return False
        return self.within(contract, today)

    def within(self, record: Item, today: date) -> bool:
        """`startDate <= today <= endDate` in whole days; a missing date leaves that side open."""
        start, end = self.read.iso_datetime(record.get("startDate")), self.read.iso_datetime(record.get("endDate"))
        return (start is None or start.date() <= today) and (end is None or today <= end.date())

    def describe_error(self, response: httpx.Response) -> str:
        """Autotask's `errors` array in words: its strings, or its objects' messages, one after another."""
        try:
            body = response.json()
        except ValueError:
            return response.reason_phrase
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, list):
            return error_message(response) if isinstance(body, dict) else response.reason_phrase
        said = [str(e.get("message") or "") if isinstance(e, dict) else str(e) for e in errors]
        return "; ".join(s for s in said if s) or response.reason_phrase


def own_domain(url: httpx.URL, discovery: httpx.URL) -> bool:
    """Whether a zone URL is on the discovery host's domain (webservices14.autotask.net for
    webservices.autotask.net, on the default port), with no weaker scheme; an address or a two-label
    host must be the discovery host itself."""
    if url.scheme not in ("https", discovery.scheme) or not url.host:
        return False
    if url.host == discovery.host:
        return True  # the host the user chose: another port of it is no further
    labels = discovery.host.split(".")
    if len(labels) < 3 or labels[-1].isdigit():
        return False
    return url.host.endswith("." + ".".join(labels[1:])) and url.port is None
