"""N-able Cove Data Protection (backup), JSON-RPC API: end customers and the devices each backs up.

One account per end-customer partner (`EnumeratePartners`, `Level` `EndCustomer` or `Site`). Its
readings, in Datto's scheme:

    protected:server        backup devices (`AT` 1) whose OS type `OT` is 2 (server) and physical
    protected:vm            server devices whose physicality `I81` is `Virtual`
    protected:workstation   every other backup device (`OT` 1, or 0 / none: undefined)
    seats:user              Microsoft 365 users protected (`TM`) on its Microsoft 365 devices (`AT` 2)
    storage:bytes           used storage `I14` of its devices, in bytes
    m365_tenants            its Microsoft 365 devices, as assets only (no count)

Facts from `../shared/vendor-apis/cove.md` (N-able's JSON API pages and column-code list):

- One endpoint, `POST https://api.backup.management/jsonapi`. `Login` (partner name exactly as the
  console shows it, API user, password) answers a visa; every later call carries the newest visa
  at the top level, and every answer may bring a newer one (the shared `VisaRpc`). A visa idles
  out after about 15 minutes: a visa refused mid-sync logs in again, once.
- `EnumerateAccountStatistics` pages by `StartRecordNumber` (from 0) and `RecordsCount` (500 here)
  and ends at a short page; `Settings` is a list of one-key objects whose values are all strings.
- Errors are JSON-RPC `error` objects, typically with HTTP 200: `13501` is a permission problem,
  a refused `Login` (`2100`, "Unknown partner/username or bad password", the same answer for a
  mistyped partner name) is the credentials.
- No rate is published: no `RateLimit` is declared, so the default pace applies, one call at a time;
  5xx and refused connections are retried with backoff.

Readings chosen where the documents leave a fact open (UNCONFIRMED, read tolerantly):

- The code an idled-out visa gets is not documented: `-32603` with data `1701` ("Visa is
  inconsistent/corrupted", seen by public clients), or any error whose message names the visa,
  means log in again.
- Partner `fields` numbers are disputed between clients, so only `Id`, `Name` and `Level` are read.
  A device whose `PartnerId` is no listed customer (one the user may not enumerate) still counts,
  filed under that id with its customer name `I8`.
- `OT` 0 or missing counts as a workstation (as Datto's agent without an OS does); `I81` missing is
  physical. A Microsoft 365 device's `TM` missing is no seat; a value that is no number fails the sync.
- Cove counts shared mailboxes among its protected users, so they are `seats:user` (as Veeam's).

It never reads backup contents, file names, backup sets' selections or history, and calls only
`Login`, `EnumeratePartners` and `EnumerateAccountStatistics`; the API's methods that change
devices, partners or users are never called.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors import hostnames
from connectors.base import Field, Guidance, Role
from connectors.endpoints import Item
from connectors.jsonrpc import call
from connectors.jsonrpc_visa import RecordRange, VisaRpc
from connectors.records import Account, Asset, Quantity, Record, counted

PATH = "jsonapi"
COLUMNS = ("I1", "I8", "I18", "OT", "AT", "I81", "I14", "TM")
PAGE = 500
CUSTOMER_LEVELS = frozenset({"endcustomer", "site"})
M365 = "2"  # account type `AT`: 1 a backup device (or none given), 2 a Microsoft 365 tenant
# what Cove's error codes mean for the user, beside the error's own message
WORDS = {2100: "the partner name, user name or password was not accepted (the partner name must be exactly "
               "as the console shows it)",
         13501: "this API user may not read it", 1701: "the session visa was refused"}


def flattened(statistic: Item) -> dict[str, str]:
    """`[{"I1": "acme-dc01"}, {"OT": "2"}]` → `{"I1": "acme-dc01", "OT": "2"}`."""
    columns: dict[str, str] = {}
    for setting in statistic.get("Settings") or ():
        if isinstance(setting, dict):
            columns.update({str(k): "" if v is None else str(v) for k, v in setting.items()})
    return columns


class Cove(VisaRpc):
    kind = "cove"
    display_name = "N-able Cove Data Protection"
    role = Role.USAGE
    fields = (
        Field("base_url", "API URL", default="https://api.backup.management"),
        Field("partner", "Partner name", hint="Exactly as the Cove console shows it, e.g. "
                                              "\"Contoso MSP (ops@contoso.com)\""),
        Field("username", "API user", hint="A dedicated API user with a read-only role"),
        Field("password", "Password", secret=True),
    )
    guidance = Guidance(
        reads="Customers (partner id, name, level) and their backup devices' statistics: device name, customer, "
              "computer name, OS type (server or workstation), physical or virtual, device type (backup device "
              "or Microsoft 365 tenant), used storage and the number of protected Microsoft 365 users.",
        why="Customers are matched to clients; protected servers, virtual servers and workstations, protected "
            "Microsoft 365 users, and used storage are the backup usage compared with what each client is "
            "billed.",
        never_reads="Backup contents, file names, backup selections, session history, encryption passphrases or "
                    "anything inside a protected device or mailbox.",
        writes_back="Never. It calls only Login, EnumeratePartners and EnumerateAccountStatistics, which read; "
                    "it never adds, changes or removes a device, customer or user, although an API user with a "
                    "wider role could.",
        revoke="in the Cove Management Console, Users, delete (or disable) the API user made for "
               "BillingReconcile; its visa then stops working within 15 minutes.",
        permission="A dedicated API user for BillingReconcile alone, at the top-level partner, with a read-only "
                   "(reporting) role, so that it can read every customer's device statistics and change nothing.",
    )
    metrics = {
        "protected:server": "Physical servers backed up by Cove (OS type server)",
        "protected:vm": "Virtual servers backed up by Cove (OS type server, virtual)",
        "protected:workstation": "Workstations backed up by Cove (OS type workstation or undefined)",
        "seats:user": "Microsoft 365 users protected by Cove (shared mailboxes too)",
        "storage:bytes": "Used storage of the customer's devices, in bytes",
        "m365_tenants": "Microsoft 365 tenants backed up, listed for drill-down (assets only, no count)",
    }
    error_words = WORDS
    # what an HTTP status means for the user, beside the error object's words
    words = {401: "the session visa was refused", 429: "Cove asked to slow down (it publishes no rate)",
             500: "Cove reported an internal error"}
    refused_codes = frozenset({2100})
    forbidden_codes = frozenset({13501})
    visa_codes = frozenset({1701})

    login = call(PATH, "Login", items_at="result.result")
    test_call = call(PATH, "EnumerateAccountStatistics", items_at="result.result")
    partners = call(PATH, "EnumeratePartners", items_at="result.result", fetchRecursively=True,
                    fields=[0, 1, 3, 4, 5, 8])
    statistics = call(PATH, "EnumerateAccountStatistics", items_at="result.result", paging=RecordRange(size=PAGE))

    def login_params(self) -> dict[str, Any]:
        return {"partner": self.settings["partner"], "username": self.settings["username"],
                "password": self.settings["password"]}

    def test(self) -> None:
        """Log in, then read one device's statistics."""
        self.visa_items(self.test_call, query={**self.query(), "StartRecordNumber": 0, "RecordsCount": 1})

    def query(self) -> dict[str, Any]:
        """Every device under the logged-in partner, with the columns read (the range is the paging's)."""
        return {"PartnerId": self.partner_id(), "SelectionMode": "Merged", "Filter": "", "OrderBy": "I1 ASC",
                "Columns": list(COLUMNS)}

    def partner_id(self) -> int:
        """The logged-in partner's id (logging in first): the top of every read."""
        if self.logged_in is None:
            self.sign_in()
        return int(self.read.number(self.read.require(self.logged_in, "PartnerId")))

    def sync(self) -> Iterator[Record]:
        names: dict[str, str] = {}  # partner id → customer name, each announced once
        for partner in self.visa_items(self.partners, parentPartnerId=self.partner_id()):
            if str(partner.get("Level") or "").lower() in CUSTOMER_LEVELS:
                partner_id = str(self.read.require(partner, "Id"))
                if partner_id in names:  # listed twice (a recursive walk reaching it by two paths)
                    continue
                names[partner_id] = str(partner.get("Name") or partner_id)
                yield Account(partner_id, names[partner_id])
        devices: list[Asset] = []  # counted once the last page is in
        for record in self.protected(names):
            if isinstance(record, Asset) and record.metric.startswith("protected:"):
                devices.append(record)
            else:
                yield record
        yield from counted(devices)

    def protected(self, names: dict[str, str]) -> Iterator[Record]:
        """Every device as an asset of its customer (a customer first seen here is announced), and
        each customer's used storage and Microsoft 365 seats as quantities."""
        for statistic in self.visa_items(self.statistics, query=self.query()):
            account_id = str(self.read.require(statistic, "PartnerId"))
            device_id = str(self.read.require(statistic, "AccountId"))
            columns = flattened(statistic)
            if account_id not in names:
                names[account_id] = columns.get("I8") or account_id
                yield Account(account_id, names[account_id])
            label = columns.get("I1") or device_id
            stored = self.read.optional_number(columns.get("I14") or None)
            if stored is not None:
                yield Quantity(account_id, "storage:bytes", stored, label=label)
            if columns.get("AT") == M365:
                yield Asset(account_id, "m365_tenants", device_id, label)
                users = self.read.optional_number(columns.get("TM") or None)
                if users:
                    yield Quantity(account_id, "seats:user", users, label=label)
                continue
            yield Asset(account_id, self.device_metric(columns), device_id,
                        hostnames.short(columns.get("I18")) or label)

    @staticmethod
    def device_metric(columns: dict[str, str]) -> str:
        if columns.get("OT") != "2":
            return "protected:workstation"
        return "protected:vm" if columns.get("I81", "").lower() == "virtual" else "protected:server"

