"""Bitdefender GravityZone Cloud (security), Public API over JSON-RPC 2.0: companies, endpoints, licence usage.

One account per customer company. There is no "list companies" method: companies are read as the
network inventory's items of type company (`getNetworkInventoryItems` with
`filters.type.companies`), and each company's endpoints with `getEndpointsList` under it
(`parentId`, sub-groups included):

    endpoints:managed          endpoints GravityZone manages with its agent (`isManaged` and
                               `managedWithBest`), each an asset named by its host name
    licenses:endpoint, …       this month's running licence usage `licensing.getMonthlyUsage`
                               reports for the company (`endpointMonthlyUsage`, `edrMonthlyUsage`, …)

Counting rules: only managed endpoints count (asked for with `isManaged: true` and checked again on
each endpoint); an endpoint detected on the network but not managed, or whose agent was removed,
never counts. A reinstall's old endpoint is an asset with its old last scan, so a check's "seen
within N days" drops it. A licence counter that is 0 or absent is no quantity.

Readings chosen where `../shared/vendor-apis/gravityzone.md` leaves a fact open (UNCONFIRMED):

- The endpoint list names no package tier, so every managed endpoint counts under one key
  (`endpoints:managed`), not SentinelOne's per-tier keys.
- The time an endpoint was last seen is its `lastSuccessfulScan.date` (the only time the list
  carries), read as UTC when it names no zone; an endpoint without one always counts.
- The inventory's numeric `type` of a company item is not documented: the filter is trusted and
  `type` is not read. An endpoint without `managedWithBest` counts when it `isManaged`.
- A licence counter the connector does not know is not reported (the catalog stays fixed).
- The limit is "a few requests per second (historically 10/s)" per API key: `rate_limit` declares
  10 a second, one request in flight; a 429 is retried after its `Retry-After`.

The key goes in Basic auth as the user name, with an empty password. Errors are JSON-RPC error
objects (with an HTTP error status or a 200), shown in words (`connectors.jsonrpc`). It reads with
the declared read methods only and never reads quarantine, scan reports, policies' secrets or
files; the licence key `getLicenseInfo` returns (the connection test) is never kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from connectors import hostnames
from connectors.auth import Basic
from connectors.base import Field, Guidance, Role
from connectors.endpoints import Item
from connectors.jsonrpc import JsonRpc, RpcPages, call
from connectors.ratelimit import RateLimit
from connectors.records import Account, Asset, Quantity, Record, counted

NETWORK, LICENSING = "v1.0/jsonrpc/network", "v1.0/jsonrpc/licensing"
PAGES = RpcPages(size=100)  # the most v1.0 serves a page
# getMonthlyUsage's counters → the licence they count
LICENCES = {"endpointMonthlyUsage": "endpoint", "edrMonthlyUsage": "edr",
            "patchManagementMonthlyUsage": "patch-management", "emailSecurityMonthlyUsage": "email-security",
            "exchangeMonthlyUsage": "exchange", "encryptionMonthlyUsage": "encryption", "atsMonthlyUsage": "ats",
            "mdrFoundationsMonthlyUsage": "mdr-foundations", "mdrResponseMonthlyUsage": "mdr-response",
            "containerProtectionMonthlyUsage": "container-protection", "sveVsMonthlyUsage": "sve-vs",
            "sveVdiMonthlyUsage": "sve-vdi"}


def counts(endpoint: Item) -> bool:
    """A managed endpoint with the Bitdefender agent; detected or agent-less ones are no endpoint to bill."""
    return endpoint.get("isManaged") is True and endpoint.get("managedWithBest", True) is not False


def this_month(now: datetime | None = None) -> str:
    """`"mm/yyyy"` of the current month (UTC): its usage is the running figure."""
    return (now or datetime.now(UTC)).strftime("%m/%Y")


class GravityZone(JsonRpc):
    kind = "gravityzone"
    display_name = "Bitdefender GravityZone"
    role = Role.USAGE
    fields = (
        Field("base_url", "Access URL", default="https://cloud.gravityzone.bitdefender.com/api",
              hint="Control Center › My Account › Control Center API: the Access URL shown there"),
        Field("api_key", "API key", secret=True,
              hint="Control Center › My Account › API keys: a key with the Companies, Licensing and Network APIs"),
    )
    guidance = Guidance(
        reads="Companies (id, name) from the network inventory; their endpoints (id, name, FQDN, machine type, "
              "operating system, whether GravityZone manages it with its agent, the last successful scan's "
              "date); and each company's monthly licence usage counters.",
        why="Companies are matched to clients; their managed endpoints are the protected endpoints compared "
            "with the security services each client is billed for, and the monthly usage is what Bitdefender "
            "bills the MSP for.",
        never_reads="Endpoint passwords, quarantined or scanned files and their contents, scan and threat "
                    "reports, policies or installation packages. The licence key the licence call returns "
                    "is dropped on arrival, never stored or shown.",
        writes_back="Never. It calls only the read methods it declares (getNetworkInventoryItems, "
                    "getEndpointsList, getLicenseInfo, getMonthlyUsage); it never creates, moves or deletes "
                    "a company or endpoint, even where the key's APIs would allow it.",
        revoke="in GravityZone Control Center, My Account › API keys, delete the key made for BillingReconcile.",
        permission="An API key made for BillingReconcile alone, with only the Companies, Licensing and Network "
                   "APIs enabled: inventory, company and licence reporting, nothing more.",
    )
    metrics = {
        "endpoints:managed": "Endpoints GravityZone manages with its agent (detected, unmanaged ones excluded)",
        **{f"licenses:{name}": f"This month's {counter} (licensing.getMonthlyUsage)"
           for counter, name in LICENCES.items()},
    }
    auth = Basic(username="{api_key}", password_field=None)
    rate_limit = RateLimit(10, 1, concurrent=1, source="GravityZone Public API: a few requests a second per API "
                                                       "key (historically 10 a second); one request in flight")
    words = {400: "GravityZone refused the call", 401: "the API key was rejected",
             403: "the API key lacks this API (enable Companies, Licensing and Network for it)",
             429: "GravityZone's rate limit was reached"}

    test_call = call(LICENSING, "getLicenseInfo")
    companies = call(NETWORK, "getNetworkInventoryItems", items_at="result.items", paging=PAGES,
                     filters={"type": {"companies": True}})
    endpoints_list = call(NETWORK, "getEndpointsList", items_at="result.items", paging=PAGES, isManaged=True,
                          filters={"depth": {"allItemsRecursively": True}})
    monthly_usage = call(LICENSING, "getMonthlyUsage")

    def sync(self) -> Iterator[Record]:
        month = this_month()
        company_ids = []
        for company in self.rpc_items(self.companies):
            company_id = str(self.read.require(company, "id"))
            company_ids.append(company_id)
            yield Account(company_id, str(company.get("name") or company_id))
        for company_id in company_ids:
            endpoints = filter(counts, self.rpc_items(self.endpoints_list, parentId=company_id))
            yield from counted(self.endpoint(company_id, e) for e in endpoints)
            yield from self.usage(company_id, month)

    def endpoint(self, company_id: str, endpoint: Item) -> Asset:
        """A managed endpoint, named by its host name, last seen at its last successful scan."""
        endpoint_id = str(self.read.require(endpoint, "id"))
        scan = endpoint.get("lastSuccessfulScan")
        seen = self.read.iso_datetime(scan.get("date")) if isinstance(scan, dict) else None
        name = hostnames.short(endpoint.get("name") or endpoint.get("fqdn")) or endpoint_id
        return Asset(company_id, "endpoints:managed", endpoint_id, name, seen)

    def usage(self, company_id: str, month: str) -> Iterator[Quantity]:
        """The company's licence counters this month, each that is above 0."""
        result = self.rpc_result(self.monthly_usage, companyId=company_id, targetMonth=month) or {}
        for counter, name in LICENCES.items():
            value = self.read.optional_number(result.get(counter))
            if value is not None and value > Decimal(0):
                yield Quantity(company_id, f"licenses:{name}", value)
