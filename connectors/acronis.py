"""Acronis Cyber Protect Cloud (backup), Account Management API v2: the tenant tree under the partner
that owns the API client, and each customer's usage this billing month per offering item.

One account per customer tenant (`kind == "customer"`), wherever it sits: partners and folders
between the API client's partner and the customer (a sub-reseller's folder) are walked through and
never reported themselves. Its readings, from `GET /tenants/{id}/usages`:

    protected:workstation, protected:server    `workstations`, `servers`
    protected:vm, protected:virtual_host       `vms`, `virtualhosts` (a host licensed for all its guests)
    protected:mobile                           `mobiles`
    seats:user, seats:mailbox, seats:site, …   `m365_seats` and `gworkspace_seats`, `m365_mailboxes`,
                                               `m365_sharepoint_sites`, `m365_teams`
    storage:bytes, storage:local_bytes         `storage` (each infrastructure's item added up),
                                               `local_storage`, in bytes

Each usage item is one quantity, labelled with its edition, so two editions of the same offering
item add up under one metric and the edition shows in the drill-down.

Readings chosen where `../shared/vendor-apis/acronis.md` leaves a fact open:

- `value` is the tenant's own usage and `absolute_value` adds its children's. The doc says to use
  `value` for customers, and we do: a customer's usage is never read through a partner or folder
  (whose `absolute_value` would count it again), and nothing below a customer is walked.
- Other items measured in bytes (a per-gigabyte edition's size per workload type) are parts of
  `storage`, so they are not added to it.
- Items whose `value` is 0 are skipped; an item name we do not know, counted in units, is
  `protected:other`; a `feature` item (on or off, not a count) is never a quantity.
- Disabled customers are still reported: Acronis keeps their backups and their storage.
- The error body (`{"error": {"code", "message", …}}`) is marked likely, not confirmed: its message
  is used when there is one, the HTTP reason otherwise.
- Acronis publishes no request rate, so no `RateLimit` is declared: the default pace applies and
  429s are retried with backoff, honouring `Retry-After`.
- Children are fetched in batches of at most 100 ids (`GET /tenants?uuids=…`), as the doc advises.

It never reads backups, archives, plans' contents, alerts or users, and sends only GETs (besides the
token request); it never changes a tenant, quota or offering item, although an API client could.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import httpx

from connectors.auth import OAuth2BasicClient
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.errors import BadResponse
from connectors.http import worded
from connectors.records import Account, Quantity, Record

BATCH = 100  # ids per `GET /tenants?uuids=` call
WALKED_THROUGH = frozenset({"partner", "folder"})  # tenants whose children are walked in turn
USAGES = {"workstations": "protected:workstation", "servers": "protected:server", "vms": "protected:vm",
          "virtualhosts": "protected:virtual_host", "mobiles": "protected:mobile",
          "m365_seats": "seats:user", "m365_mailboxes": "seats:mailbox", "m365_sharepoint_sites": "seats:site",
          "m365_teams": "seats:team", "gworkspace_seats": "seats:user"}
# storage items in bytes: the cloud storage billed as backup storage, and backups on the customer's own storage
STORAGES = {"storage": "storage:bytes", "local_storage": "storage:local_bytes"}
WORDS = {401: "the API client's token was refused", 403: "the API client has no rights on that tenant",
         404: "no such tenant or API client in this data centre", 429: "Acronis' rate limit was reached"}


class Acronis(Connector):
    kind = "acronis"
    display_name = "Acronis Cyber Protect Cloud"
    role = Role.USAGE
    fields = (
        Field("base_url", "Data centre", default="https://eu2-cloud.acronis.com/api/2",
              hint="the address your management portal opens at, followed by /api/2",
              choices=(("https://eu2-cloud.acronis.com/api/2", "Europe (eu2-cloud)"),
                       ("https://eu8-cloud.acronis.com/api/2", "Europe (eu8-cloud)"),
                       ("https://us5-cloud.acronis.com/api/2", "United States (us5-cloud)"),
                       ("https://us2-cloud.acronis.com/api/2", "United States (us2-cloud)"),
                       ("https://au1-cloud.acronis.com/api/2", "Australia (au1-cloud)"),
                       ("https://jp-cloud.acronis.com/api/2", "Japan (jp-cloud)"))),
        Field("client_id", "Client ID", hint="Management portal › Settings › API clients"),
        Field("client_secret", "Client secret", secret=True),
    )
    guidance = Guidance(
        reads="The API client's own record (its partner tenant), the tenant tree below that partner (id, name, "
              "kind, parent, enabled), and each customer tenant's usage this billing month (offering item, "
              "edition, measurement unit, value).",
        why="Customer tenants are matched to clients; their protected workstations, servers, virtual machines "
            "and Microsoft 365 seats are the backup usage compared with what each client is billed, and their "
            "storage in bytes is compared with storage billing. Partners and folders are walked only to reach "
            "the customers under them.",
        never_reads="Backups, archives, protection plans' contents, alerts, users or anything inside a protected "
                    "machine or mailbox.",
        writes_back="Never. Apart from its token request it sends only GET requests; it never changes a tenant, "
                    "quota or offering item, although an API client could.",
        revoke="in the Acronis management portal, Settings › API clients, delete (or disable) the API client made "
               "for BillingReconcile.",
        permission="An API client created at the partner tenant whose customers you bill (Settings › API clients); "
                   "Acronis gives an API client its creator's rights, so create it as a read-only administrator "
                   "where your account allows one, used by BillingReconcile alone.",
    )
    metrics = {
        "protected:workstation": "Protected workstations",
        "protected:server": "Protected servers",
        "protected:vm": "Protected virtual machines",
        "protected:virtual_host": "Protected virtual hosts (licensed per host)",
        "protected:mobile": "Protected mobile devices",
        "protected:other": "Other protected workloads counted in units",
        "seats:user": "Protected Microsoft 365 and Google Workspace user seats",
        "seats:mailbox": "Protected Microsoft 365 mailboxes licensed on their own (shared mailboxes among them)",
        "seats:site": "Protected SharePoint sites",
        "seats:team": "Protected Microsoft Teams",
        "storage:bytes": "Cloud backup storage used (`storage`, every infrastructure added up), in bytes",
        "storage:local_bytes": "Backups kept on the customer's own storage (`local_storage`), in bytes",
    }
    auth = OAuth2BasicClient(token_path="idp/token")
    headers = {"Accept": "application/json"}
    items_at = "items"

    test_call = Endpoint("clients/{client_id}")
    children = Endpoint("tenants/{id}/children")
    tenants = Endpoint("tenants", params={"uuids": "{uuids}"})
    usages = Endpoint("tenants/{id}/usages", each=tenants, keep=lambda usage: usage.get("value") not in (0, None))

    def test(self) -> None:
        self.partner()

    def partner(self) -> str:
        """The id of the partner tenant that owns this API client: where the walk starts."""
        client = self.one(self.test_call, {"client_id": self.settings["client_id"]})
        if not isinstance(client, dict) or not client.get("tenant_id"):
            # without its partner tenant there is no tree to walk: say where the answer fell short
            raise BadResponse(f"{self.display_name}: GET /clients/{{client_id}} answered 200 without the API "
                              "client's tenant_id", status=200)
        return str(client["tenant_id"])

    def sync(self) -> Iterator[Record]:
        customers = []
        for customer in self.customers(self.partner()):
            customers.append(customer)
            tenant_id = str(self.read.require(customer, "id"))
            yield Account(tenant_id, str(customer.get("name") or tenant_id))
        for customer, usage in self.walk(self.usages, customers):
            quantity = self.quantity(str(customer["id"]), usage)
            if quantity is not None:
                yield quantity

    def customers(self, partner_id: str) -> Iterator[Item]:
        """Every customer tenant under the partner, level by level through partners and folders."""
        level: list[Item] = [{"id": partner_id}]
        seen = {partner_id}
        while level:
            ids: list[str] = []
            for _, child in self.walk(self.children, level):
                child = str(child)
                if child in seen:
                    raise BadResponse(f"{self.display_name}: tenant {child} is listed twice in the tenant tree; "
                                      "stopping so the sync cannot loop")
                seen.add(child)
                ids.append(child)
            level = []
            for tenant in self.details(ids):
                kind = str(self.read.require(tenant, "kind"))
                if kind == "customer":
                    yield tenant
                elif kind in WALKED_THROUGH:
                    level.append(tenant)

    def details(self, ids: list[str]) -> Iterable[Item]:
        for start in range(0, len(ids), BATCH):
            yield from self.items(self.tenants, {"uuids": ",".join(ids[start:start + BATCH])})

    def quantity(self, account_id: str, usage: Item) -> Quantity | None:
        """One usage item as a quantity of its customer; None for what is no count (a feature switch)."""
        name = str(self.read.require(usage, "name"))
        unit, kind = str(usage.get("measurement_unit") or ""), str(usage.get("type") or "")
        if unit == "bytes":
            if name not in STORAGES:
                return None  # a per-workload size of a per-gigabyte edition: a part of `storage`, not more of it
            metric = STORAGES[name]
        elif kind == "feature" or unit not in ("quantity", ""):
            return None
        else:
            metric = USAGES.get(name, "protected:other")
        edition = usage.get("edition")
        return Quantity(account_id, metric, self.read.number(usage["value"]),
                        label=f"{name} ({edition})" if edition else name)

    def describe_error(self, response: httpx.Response) -> str:
        return worded(response, WORDS)
