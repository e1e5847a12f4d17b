"""Fake N-able N-central REST API (2023.9+): the RMM's customers, their sites and devices.

    POST /ncentral/api/auth/authenticate                 Authorization: Bearer <API user token>
    POST /ncentral/api/auth/refresh                      text/plain body: the refresh token
    GET  /ncentral/api/customers                         ?pageNumber=&pageSize=
    GET  /ncentral/api/customers/{customerId}/sites      ?pageNumber=&pageSize=
    GET  /ncentral/api/devices                           ?pageNumber=&pageSize=
    GET  /ncentral/api/org-units/{orgUnitId}/devices     ?pageNumber=&pageSize=
    GET  /ncentral/api/devices/{deviceId}                → {"data": {...}}

A view of the truth's RMM role: each RMM account is a customer. An account holding one site keeps its
devices at the customer; one holding several ("sites of one customer") has an N-central site per truth
site, and each device sits at its site (`orgUnitId` and `siteId` the site's, `customerId` the
customer's). Only devices with an approved agent are listed: N-central has no approval step, and a
device awaiting one is a discovered asset the device list does not hold. `deviceClass` follows the
device's class and OS. Lists answer `{"data", "pageNumber", "pageSize", "totalItems", "totalPages"}`
(page size default 50, at most 1000). Access tokens live 3600 s, refresh tokens 90000 s.

N-central's own trap, tagged `probe`: a customer with network gear has a Windows probe host
(`isProbe: true`) that is monitoring plumbing the truth does not hold and must never count.
Errors are `{"status", "message"}`; a 429 (calls in flight over the limit) carries no headers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.auth import Bearer, TokenExchange
from sandbox.paging import Envelope, PageNumber, list_route
from sandbox.routing import Call, Incoming, Reply, Route
from sandbox.truth.model import Customer, Device, DeviceClass, Role, World
from sandbox.vendor import FakeVendor, Owned

API = "/api"
USER_TOKEN = "eyJhbGciOiJIUzI1NiJ9.sbx-ncentral-api-user.Tq8vLm2Xw5Rk9Zp4"
SO_ID, SO_NAME = 50, "Sandbox MSP"
PAGES = PageNumber(Envelope(lambda page: {
    "data": page.items, "pageNumber": page.number, "pageSize": page.size, "totalItems": page.total,
    "totalPages": -(-page.total // page.size)}, items_at="data"),
    page="pageNumber", size="pageSize", first=1, default=50, maximum=1000)
METRICS = {"devices:workstation": "devices:workstation", "devices:laptop": "devices:workstation",
           "devices:server": "devices:server", "devices:virtual": "devices:server", "devices:mobile": "devices:mobile",
           "devices:network": "devices:network", "devices:other": "devices:other"}
NETWORK = {"Switch": "Switch/Router", "Router": "Switch/Router", "Firewall": "Firewall", "Printer": "Printer",
           "Access point": "Access Point"}

JSON = dict[str, Any]


def error(status: int, message: str) -> Reply:
    return Reply(status, {"status": status, "message": message})


GRANT = TokenExchange(API + "/auth/authenticate", API + "/auth/refresh", USER_TOKEN, error)


def device_class(device: Device) -> str:
    """What N-central calls a device of this class and OS: `Servers - Windows`, `Laptop - Mac OS X`."""
    os, cls = device.os, device.cls
    platform = "Mac OS X" if os.startswith("macOS") else "Linux" if "Ubuntu" in os else "Windows"
    if cls == DeviceClass.WORKSTATION:
        return f"Workstations - {platform}"
    if cls == DeviceClass.LAPTOP:
        return f"Laptop - {platform}"
    if cls in (DeviceClass.SERVER, DeviceClass.VIRTUAL):
        return "Servers - ESXi" if os.startswith("VMware ESXi") else f"Servers - {platform}"
    if cls == DeviceClass.MOBILE:
        return "Mobile Device - Android" if os.startswith("Android") else "Mobile Device - iOS"
    if cls == DeviceClass.NETWORK:
        return NETWORK[os]
    return "Other"


@dataclass(frozen=True)
class View:
    customers: list[JSON]
    sites: dict[str, list[JSON]]  # by customer id
    devices: list[JSON]
    owners: dict[str, Owned]


class NCentral(FakeVendor):
    kind = "ncentral"
    display_name = "N-central"
    roles = (Role.RMM,)
    prefix = "/ncentral"
    api_root = API
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"user_token": USER_TOKEN}
    token_lifetime = 3600.0
    retry_after = False

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            list_route("GET", API + "/customers", lambda call: call.view.customers, PAGES),
            list_route("GET", API + "/devices", lambda call: call.view.devices, PAGES),
            Route("GET", API + "/customers/{customerId}/sites", self._sites, listing=PAGES),
            Route("GET", API + "/org-units/{orgUnitId}/devices", self._devices_under, listing=PAGES),
            Route("GET", API + "/devices/{deviceId}", self._device),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:ncentral")
        customers, sites, devices, owners = [], {}, [], {}
        customer_id, site_id = 100, 1000
        for customer, account in world.accounts(Role.RMM):
            customer_id += 1 + rng.randint(0, 2)
            owners[str(customer_id)] = (customer, account)
            customers.append({"customerId": customer_id, "customerName": account.name, "parentId": SO_ID})
            held = [site for site in customer.sites if site.key in account.sites]
            units: dict[str, JSON] = {}
            if len(held) > 1:
                for site in held:
                    site_id += 1
                    units[site.key] = {"siteId": site_id, "siteName": site.name, "parentId": customer_id,
                                       "city": site.city, "street1": site.address}
            sites[str(customer_id)] = list(units.values())
            owner = {"customerId": customer_id, "customerName": account.name}
            fleet = [d for d in customer.held_by(account) if d.rmm == "approved"]
            devices += [_device(world, d, owner, units.get(d.site)) for d in fleet]
            if any(d.cls == DeviceClass.NETWORK for d in fleet):
                devices.append(_probe(world, customer, owner, fleet[0], units.get(fleet[0].site)))
        devices.sort(key=lambda d: d["deviceId"])
        return View(customers, sites, devices, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return error(status, message)

    def refuse(self, incoming: Incoming) -> Reply:
        return error(401, "Invalid or expired token")

    def refuse_token(self, incoming: Incoming) -> Reply:
        return GRANT.refuse()

    def _sites(self, call: Call) -> Reply:
        if call.params["customerId"] not in call.view.owners:
            return error(404, f"Customer {call.params['customerId']} not found")
        body, headers = PAGES.serve(call.keep(call.view.sites[call.params["customerId"]]), call)
        return Reply(200, body, headers)

    def _devices_under(self, call: Call) -> Reply:
        unit = call.params["orgUnitId"]
        under = [d for d in call.view.devices if unit in (str(d["orgUnitId"]), str(d["customerId"]))]
        known = unit in call.view.owners or any(str(d["orgUnitId"]) == unit for d in under)
        if not known:
            return error(404, f"Org unit {unit} not found")
        body, headers = PAGES.serve(call.keep(under), call)
        return Reply(200, body, headers)

    def _device(self, call: Call) -> Reply:
        found = next((d for d in call.view.devices if str(d["deviceId"]) == call.params["deviceId"]), None)
        return Reply(200, {"data": found}) if found else error(404, f"Device {call.params['deviceId']} not found")


def _device(world: World, device: Device, owner: JSON, site: JSON | None) -> JSON:
    label = device_class(device)
    return {
        "deviceId": 2_000_000 + device.number * 7 + world.seed % 7, "longName": device.hostname,
        "discoveredName": device.hostname if device.cls == DeviceClass.NETWORK else f"{device.hostname}.local",
        "deviceClass": label, "deviceClassLabel": label, "description": "", "isProbe": False,
        "supportedOs": device.os, "supportedOsLabel": device.os,
        "licenseMode": "Essential" if device.cls == DeviceClass.NETWORK else "Professional",
        "orgUnitId": site["siteId"] if site else owner["customerId"], "soId": SO_ID, "soName": SO_NAME, **owner,
        "siteId": site["siteId"] if site else None, "siteName": site["siteName"] if site else None,
        "lastApplianceCheckinTime": _iso(device.last_seen),
    }


def _probe(world: World, customer: Customer, owner: JSON, beside: Device, site: JSON | None) -> JSON:
    """The Windows probe that discovers a customer's network gear: N-central's, not the truth's (`probe`)."""
    record = _device(world, beside, owner, site)
    return record | {"deviceId": record["deviceId"] + 3, "longName": f"{beside.hostname.split('-')[0]}-PROBE",
                     "discoveredName": f"{beside.hostname.split('-')[0]}-PROBE", "isProbe": True,
                     "deviceClass": "Workstations - Windows", "deviceClassLabel": "Workstations - Windows",
                     "supportedOs": "Microsoft Windows 10 Pro", "licenseMode": "Professional"}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
