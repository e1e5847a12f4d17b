"""N-able N-central (RMM), REST API (N-central 2023.9 or later): customers and their devices, counted by class.

The stored secret is the API user's token (User Management › API Access), traded at
`POST /api/auth/authenticate` for a one-hour access token and a refresh token (`auth.TokenExchange`).
Lists page by `pageNumber` (from 1) and `pageSize` (at most 1000) in `{"data": [...], "totalPages": N}`.

Readings chosen where ../shared/vendor-apis/n-central.md leaves a fact open:

- Accounts are customers (`customerId`). A customer's sites roll up to it: a device at a site carries
  its customer's `customerId` and counts there once, so one client with three sites is one account.
  A site the MSP bills as a client of its own is linked by linking its customer; splitting one
  customer's devices between two clients by site is not offered (the sites call would cost one request
  per customer, and the device already names its site in `siteName` for drill-down).
- A device without `customerId` is filed under its `orgUnitId`; one whose customer is not in the customer
  list (a service organisation's own device) becomes an account of its own, named from the device.
- `deviceClass` (then `deviceClassLabel`) is matched on the family before ` - `, case-insensitive:
  Servers (ESXi hosts and virtual guests included) → server; Workstations and Laptop → workstation;
  Mobile → mobile; Switch/Router, Firewall, Printer, Access Point, Network → network; anything else →
  other. The document files network gear under other; it is apart here because MSPs bill it apart.
- Probes never count: a device with `isProbe: true`, or whose class family is Probe or Appliance, is
  the monitoring plumbing, not a managed device.
- `lastApplianceCheckinTime` (absent on older servers) is the asset's last check-in; without it the
  device always counts. Error bodies' shape is unconfirmed: `message` is read where present.
- Rate limits are concurrency limits per endpoint (3 to 50 calls in flight, device endpoints the
  lowest); N-able publishes no per-second number. The connector runs one call at a time and paces at
  3 a second, the device endpoints' 3 in flight read as a second each; a 429 backs off.

It never opens remote-control sessions, reads passwords or files, and sends only GETs (and the two
token POSTs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from connectors import hostnames
from connectors.auth import TokenExchange
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint
from connectors.http import worded
from connectors.paging import PageNumber
from connectors.ratelimit import RateLimit
from connectors.records import Account, Asset, Record, counted

FAMILIES = {
    "servers": "server", "server": "server",
    "workstations": "workstation", "workstation": "workstation", "laptop": "workstation", "laptops": "workstation",
    "mobile": "mobile", "mobile device": "mobile", "mobile devices": "mobile",
    "switch/router": "network", "firewall": "network", "printer": "network", "access point": "network",
    "network": "network", "network device": "network",
}
NOT_DEVICES = frozenset({"probe", "probes", "appliance", "appliances"})
WORDS = {401: "the API user's token was refused or has expired (it lasts until that user's password expires)",
         403: "the API user has no access to this; give its role read access to customers and devices",
         404: "not found; if this is the sign-in itself, the server predates N-central 2023.9 and has no REST API",
         429: "N-central's limit on calls at once for this endpoint was reached"}


def family(device_class: object) -> str:
    """`"Servers - Windows"` → `"servers"`: the part before ` - `, folded."""
    return str(device_class or "").split(" - ", 1)[0].strip().casefold()


def category(device_class: object) -> str:
    """`"Laptop - Mac OS X"` → `"workstation"`; a family N-central adds later is `"other"`."""
    return FAMILIES.get(family(device_class), "other")


def counts(device: dict[str, Any]) -> bool:
    """A managed device, not a probe or appliance."""
    return device.get("isProbe") is not True and family(device.get("deviceClass") or device.get("deviceClassLabel")) \
        not in NOT_DEVICES


class NCentral(Connector):
    kind = "ncentral"
    display_name = "N-central"
    role = Role.USAGE
    fields = (
        Field("base_url", "Server URL",
              hint="Your N-central server's API, e.g. https://ncentral.example.com/api (version 2023.9 or later)"),
        Field("user_token", "API user token", secret=True,
              hint="User Management › API Access: the read-only API user's JSON Web Token; it lasts until that "
                   "user's password expires (often 90 days), then generate a new one here"),
    )
    guidance = Guidance(
        reads="Customers (id, name) and devices: class, probe flag, customer and site, name and last check-in.",
        why="Customers are matched to clients; their managed devices, counted by class (workstations and "
            "laptops, servers, network devices), are the usage compared with what each client is billed for "
            "managed devices. A customer's sites count with it.",
        never_reads="Remote-control sessions or credentials, device passwords, scripts, custom properties or "
                    "file contents.",
        writes_back="Never. It sends only GET requests (and the sign-in that trades the token for a short-lived "
                    "one), and the API user's role can read and nothing more.",
        revoke="in N-central, Administration › User Management › Users, open the API user made for "
               "BillingReconcile and delete it (or revoke its token under API Access).",
        permission="A dedicated user with MFA off, API access on, and a read-only role limited to customer and "
                   "device inventory (for example the built-in read-only role) at the service-organisation "
                   "level; never an administrator.",
    )
    metrics = {
        "devices:workstation": "Managed workstations and laptops (Windows, Mac, Linux)",
        "devices:server": "Managed servers, hypervisor hosts and virtual servers",
        "devices:mobile": "Managed phones and tablets",
        "devices:network": "Managed network devices (switches, routers, firewalls, printers, access points)",
        "devices:other": "Managed devices of any other class (probes and appliances excluded)",
    }
    auth = TokenExchange("auth/authenticate", refresh_path="auth/refresh", token_field="user_token")
    headers = {"Accept": "application/json"}
    rate_limit = RateLimit(3, 1, concurrent=3,
                           source="N-central REST API rate limiting: 3 to 50 concurrent calls per endpoint, the "
                                  "device endpoints lowest; no per-second number is published, so 3 in flight "
                                  "reads as 3 a second")
    paging = PageNumber(param="pageNumber", size_param="pageSize", size=1000, start=1, total_pages_at="totalPages")
    items_at = "data"

    test_call = Endpoint("customers", params={"pageSize": 1})
    customers = Endpoint("customers")
    devices = Endpoint("devices", keep=counts)

    def sync(self) -> Iterator[Record]:
        known: set[str] = set()
        for customer in self.items(self.customers):
            account_id = str(self.read.require(customer, "customerId"))
            known.add(account_id)
            yield Account(account_id, str(customer.get("customerName") or account_id))
        strays: list[Account] = []  # accounts only a device names, announced just before its asset
        for record in counted(self._assets(known, strays)):
            yield from strays
            strays.clear()
            yield record

    def _assets(self, known: set[str], strays: list[Account]) -> Iterator[Asset]:
        for device in self.items(self.devices):
            owner = device.get("customerId") if device.get("customerId") is not None else device.get("orgUnitId")
            account_id = str(self.read.require({"customerId": owner}, "customerId"))
            if account_id not in known:  # a device of an org unit the customer list does not hold
                known.add(account_id)
                strays.append(Account(account_id, str(device.get("customerName") or account_id)))
            device_id = str(self.read.require(device, "deviceId"))
            yield Asset(
                account_id=account_id,
                metric=f"devices:{category(device.get('deviceClass') or device.get('deviceClassLabel'))}",
                id=device_id,
                name=hostnames.short(device.get("longName") or device.get("discoveredName")) or device_id,
                last_seen=self.read.iso_datetime(device.get("lastApplianceCheckinTime")),
            )

    def describe_error(self, response: httpx.Response) -> str:
        # "Invalid or expired token: the API user's…" reads to the redactor as a token's value, and loses a word
        return worded(response, WORDS).replace("token: ", "token — ", 1)
