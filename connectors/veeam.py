"""Veeam Service Provider Console (backup), REST API v3: companies and the workloads each protects.

One account per VSPC company (`instanceUid`, `name`). Its readings, in Datto's scheme where they mean
the same:

    protected:server, protected:workstation   Veeam Agents managed by the console, by `operationMode`
    protected:vm                              VMs backed up by Veeam Backup & Replication (image level)
    seats:user, seats:site, seats:team, …     objects protected by Veeam Backup for Microsoft 365
    storage:bytes                             `usedStorageQuota` of its cloud backup resources, in bytes

Facts from `../shared/vendor-apis/veeam-spc.md` and the OpenAPI document VSPC servers publish:

- VSPC is always self-hosted (`https://<server>:1280/api/v3`); the URL goes through the private-URL
  rules like every other, and one given as the host alone gets the `/api/v3` path.
- Auth: the password grant on `{base}/token` with a portal user's name and password (no API client),
  `Authorization: Bearer` on every call; the answer's refresh token renews it (the shared
  `OAuth2Password`, `client_auth=False`). Use a read-only portal user.
- Every list is `{"meta": {"pagingInfo": {"total", "count", "offset"}}, "data": […], "errors"}`,
  paged by `offset` and `limit` (at most 500, asked for in full) until `offset + count >= total`.
- Errors are the same envelope with `errors` filled; `errors[0].message` is shown (its inner keys
  are UNCONFIRMED), beside what the status means. Custom server errors are HTTP 520.
- Throttling is set by each provider and VSPC publishes no number, so no `RateLimit` is declared:
  the default pace applies, and a 429 waits out its `Retry-After`.

Readings chosen where the documents leave a fact open (UNCONFIRMED, read tolerantly):

- The workload paths and fields come from the published OpenAPI, not the doc:
  `/protectedWorkloads/computersManagedByConsole` (`backupAgentUid`, `name`, `organizationUid`,
  `operationMode`), `/protectedWorkloads/virtualMachines` (`instanceUid`, …) and
  `/protectedWorkloads/vb365ProtectedObjects` (`id`, `protectedDataType`, …). An agent whose
  `operationMode` is not `Server` counts as a workstation (as Datto's agent without an OS does).
  A console that answers 404 for one of these lists fails the sync naming the path, rather than
  report its companies' protected workloads as none (which would read as over-billing).
- A Microsoft 365 object is a seat by `protectedDataType`: `User` (VB365 backs up a shared mailbox
  as a user, so Veeam cannot tell them apart), `Site`, `Teams`; `Group` and any other type are
  `seats:other`. Every listed object is protected; `consumesLicense` is Veeam's own billing to the
  MSP, not what the MSP bills its client, so it does not decide.
- A company whose `status` is `Deleted` is no account; `Disabled` and the others still hold
  protected data and count. A workload of an organisation that is no company (the provider's own,
  a reseller's) belongs to no client and is not read.
- Storage is `GET /organizations/companies/sites/backupResources/usage`, one paged list over every
  company (the doc names no storage call; the path and body are VSPC's REST v3 reference, "Get Usage
  of All Company Backup Resources", model `CompanySiteBackupResourceUsage`): a row per cloud backup
  resource a company holds on a Cloud Connect site, `companyUid`, `backupResourceUid`,
  `usedStorageQuota` ("space consumed by a company, in bytes", int64) and `storageQuota`. A company's
  rows add up (a resource on each of two sites is twice the storage). UNCONFIRMED, and chosen here:
  the reference says bytes for v3 (v2's GB-with-units shape is not read); `usedStorageQuota` is the
  retained storage billed, and the tier figures (`performanceTierUsage`, `capacityTierUsage`,
  `archiveTierUsage`) are not added to it, as they may count the same backups again once offloaded,
  as Datto's off-site copy does; a row without `usedStorageQuota` (or null) reports no storage, as a
  Datto appliance without `localStorageUsed` does, rather than 0 (which would read as over-billing).
  Storage on the company's own repositories (not Cloud Connect) is not the MSP's to bill and is not read.
- Licence points (`/licensing/usage/organizations`, `usedPoints`) are not read: points are what Veeam
  bills the MSP, and no PSA line bills them.

It never reads backup contents, restore points' files, job settings or alarms, and sends only GETs
(and the token request); the API's job, company and licence-changing calls are never used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import httpx

from connectors import hostnames
from connectors.auth import OAuth2Password
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.http import worded
from connectors.paging import Offset
from connectors.records import Account, Asset, Quantity, Record, counted

API_PATH = "/api/v3"
SEAT_TYPES = {"user": "seats:user", "site": "seats:site", "teams": "seats:team"}
# what VSPC's statuses mean for the user, beside the body's own message
WORDS = {401: "the portal user's name or password was rejected, or its session ended",
         403: "this portal user's role may not read it", 404: "no such company or workload",
         429: "the console's request throttling was reached", 520: "the console reported an internal error"}


def listed(path: str) -> Endpoint:
    """A VSPC list: the envelope's `data`, paged by offset until `meta.pagingInfo.total`."""
    return Endpoint(path, items_at="data", paging=Offset(limit=500, total_at="meta.pagingInfo.total"))


class Veeam(Connector):
    kind = "veeam"
    display_name = "Veeam Service Provider Console"
    role = Role.USAGE
    fields = (
        Field("base_url", "Console URL", hint="https://<your VSPC server>:1280/api/v3 (self-hosted; the host "
                                               "alone is enough)"),
        Field("username", "Portal user", hint="A read-only portal user (Portal Operator or a read-only role)"),
        Field("password", "Password", secret=True),
    )
    guidance = Guidance(
        reads="Companies (id, name, status, reseller), the computers protected by Veeam Agents (name, company, "
              "server or workstation mode, last restore point), the virtual machines Veeam Backup & "
              "Replication protects (name, company, last restore point), the Microsoft 365 users, sites and "
              "teams Veeam Backup for Microsoft 365 protects (name, company, type) and the Cloud Connect storage "
              "each company's cloud backup resources use (bytes used, quota).",
        why="Companies are matched to clients; protected servers, workstations and virtual machines, and "
            "protected Microsoft 365 seats by type, are the backup usage compared with what each client is "
            "billed; the storage used is compared with storage billing.",
        never_reads="Backup contents, restore points' files, job settings, passwords, alarms or anything inside a "
                    "protected machine, mailbox or site.",
        writes_back="Never. It sends only GET requests (and the token request); it never starts or changes a "
                    "job, edits a company or changes a licence, although a portal user with a wider role could.",
        revoke="in Veeam Service Provider Console, Configuration › Security › Users, disable or delete the portal "
               "user made for BillingReconcile (its refresh token then stops working too).",
        permission="A portal user made for BillingReconcile alone, with a read-only role (Portal Operator, or a "
                   "read-only user), so that it can read every company's workloads and change nothing.",
    )
    metrics = {
        "protected:server": "Computers protected by Veeam Agents in server mode",
        "protected:workstation": "Computers protected by Veeam Agents in workstation mode (or none given)",
        "protected:vm": "Virtual machines protected by Veeam Backup & Replication",
        "seats:user": "Microsoft 365 users protected by Veeam Backup for Microsoft 365 (shared mailboxes too)",
        "seats:site": "Microsoft 365 sites protected by Veeam Backup for Microsoft 365",
        "seats:team": "Microsoft 365 teams protected by Veeam Backup for Microsoft 365",
        "seats:other": "Other Microsoft 365 objects protected (groups, unknown types)",
        "storage:bytes": "Cloud Connect storage used by the company's cloud backup resources, in bytes (decimal)",
    }
    auth = OAuth2Password(token_path="token", client_auth=False)
    headers = {"Accept": "application/json"}

    test_call = Endpoint("organizations/companies", params={"limit": 1}, items_at="data")
    companies = listed("organizations/companies")
    agents = listed("protectedWorkloads/computersManagedByConsole")
    machines = listed("protectedWorkloads/virtualMachines")
    microsoft = listed("protectedWorkloads/vb365ProtectedObjects")
    storage = listed("organizations/companies/sites/backupResources/usage")

    @classmethod
    def clean_settings(cls, settings: Mapping[str, str]) -> dict[str, str]:
        clean = super().clean_settings(settings)
        url = httpx.URL(clean["base_url"])
        if url.path.strip("/") == "":  # only the server given: the REST API v3 is under its own path
            clean["base_url"] = str(url.copy_with(path=API_PATH, query=None, fragment=None))
        return clean

    def sync(self) -> Iterator[Record]:
        companies: set[str] = set()
        for company in self.items(self.companies):
            if str(company.get("status") or "").lower() == "deleted":
                continue
            uid = str(self.read.require(company, "instanceUid"))
            companies.add(uid)
            yield Account(uid, str(company.get("name") or uid))
        yield from counted(self.protected(companies))
        for resource in self.owned(self.storage, companies, owner="companyUid"):
            used = self.read.optional_number(resource.get("usedStorageQuota"))
            if used is not None:
                yield Quantity(str(resource["companyUid"]), "storage:bytes", used,
                               label=str(resource.get("backupResourceUid") or "cloud backup resource"))

    def protected(self, companies: set[str]) -> Iterator[Asset]:
        """Every protected computer, VM and Microsoft 365 object of a company, as its asset."""
        for agent in self.owned(self.agents, companies):
            mode = "server" if str(agent.get("operationMode") or "").lower() == "server" else "workstation"
            yield self.asset(agent, f"protected:{mode}", "backupAgentUid")
        for machine in self.owned(self.machines, companies):
            yield self.asset(machine, "protected:vm", "instanceUid")
        for thing in self.owned(self.microsoft, companies):
            seat = SEAT_TYPES.get(str(thing.get("protectedDataType") or "").lower(), "seats:other")
            uid = str(self.read.require(thing, "id"))
            yield Asset(str(thing["organizationUid"]), seat, uid, str(thing.get("name") or uid),
                        self.read.iso_datetime(thing.get("latestRestorePointDate")))

    def owned(self, endpoint: Endpoint, companies: set[str], owner: str = "organizationUid") -> Iterator[Item]:
        """The items of `endpoint` whose `owner` is a company (not the provider's or a reseller's own)."""
        return (item for item in self.items(endpoint) if str(item.get(owner)) in companies)

    def asset(self, workload: Item, metric: str, uid: str) -> Asset:
        uid_value = str(self.read.require(workload, uid))
        return Asset(str(workload["organizationUid"]), metric, uid_value,
                     hostnames.short(workload.get("name")) or uid_value,
                     self.read.iso_datetime(workload.get("latestRestorePointDate")))

    def describe_error(self, response: httpx.Response) -> str:
        return worded(response, WORDS)
