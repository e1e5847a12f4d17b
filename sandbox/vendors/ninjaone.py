"""Fake NinjaOne Public API v2: the RMM's accounts and devices, read with an OAuth2 client-credentials token.

    POST /ninjaone/ws/oauth/token          (also /ninjaone/oauth/token) form body, scope=monitoring
    GET  /ninjaone/v2/organizations[-detailed]    ?pageSize=&after=
    GET  /ninjaone/v2/organization/{id}
    GET  /ninjaone/v2/organization/{id}/devices   ?pageSize=&after=
    GET  /ninjaone/v2/devices[-detailed]          ?pageSize=&after=&df=
    GET  /ninjaone/v2/device/{id}

A view of the truth's RMM role: each RMM account is an organisation, its sites are locations,
and every device with an RMM agent (approved or pending) is a device whose `nodeClass` follows
from its class and OS. Lists are bare arrays ordered by id, paged by the `after` id cursor; no
`pageSize` means everything. Tokens live 3600 s; a missing, unknown or expired bearer token is a
401. Token errors use the OAuth shape, everything else `{"resultCode": "FAILURE", "errorMessage",
"incidentId"}`. `df` filters devices by the clauses a billing tool might send (see `device_filter`).
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.auth import Bearer, ClientCredentials
from sandbox.paging import IdCursor, list_route
from sandbox.routing import BadQuery, Call, Incoming, Reply, Route, detail
from sandbox.truth.model import Device, DeviceClass, Role, World
from sandbox.vendor import FakeVendor, Owned, Spec

CLIENT_ID = "sbx-ninjaone-6Qm2xT9pLr"
CLIENT_SECRET = "sbx-ninjaone-secret-Vd83kPq1Zs7wYb5N"
SCOPE = "monitoring"
GRANT = ClientCredentials(("/ws/oauth/token", "/oauth/token"), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                          scope=SCOPE, malformed="The token request must be form-encoded")
PAGES = IdCursor()
ROLES = {  # nodeClass → (nodeRoleId, policyId)
    "WINDOWS_WORKSTATION": (1, 11), "MAC": (2, 12), "LINUX_WORKSTATION": (3, 13), "WINDOWS_SERVER": (4, 14),
    "LINUX_SERVER": (5, 15), "HYPERV_VMM_HOST": (6, 16), "VMWARE_VM_HOST": (7, 17), "VMWARE_VM_GUEST": (8, 18),
    "HYPERV_VMM_GUEST": (9, 19), "ANDROID": (10, 20), "APPLE_IOS": (11, 21), "APPLE_IPADOS": (12, 22),
}
DEVICE_TYPES = {"CLOUD_MONITOR_TARGET": "CLOUD_MONITOR", "UNMANAGED_DEVICE": "UNMANAGED", "VMWARE_VM_GUEST": "VM_GUEST",
                "HYPERV_VMM_GUEST": "VM_GUEST"}
NETWORK = {"Switch": "NMS_SWITCH", "Router": "NMS_ROUTER", "Firewall": "NMS_FIREWALL", "Printer": "NMS_PRINTER",
           "Access point": "NMS_WAP"}
METRICS = {"devices:workstation": "devices:workstation", "devices:laptop": "devices:workstation",
           "devices:server": "devices:server", "devices:virtual": "devices:server", "devices:mobile": "devices:mobile",
           "devices:network": "devices:network", "devices:other": "devices:other"}

JSON = dict[str, Any]


def node_class(device: Device) -> str:
    """What NinjaOne calls a device of this class, OS and hypervisor."""
    os, cls = device.os, device.cls
    if cls in (DeviceClass.WORKSTATION, DeviceClass.LAPTOP):
        return "MAC" if os.startswith("macOS") else "LINUX_WORKSTATION" if "Ubuntu" in os else "WINDOWS_WORKSTATION"
    if cls == DeviceClass.SERVER:
        return {"hyperv": "HYPERV_VMM_HOST", "vmware": "VMWARE_VM_HOST"}.get(
            device.hypervisor or "", "LINUX_SERVER" if "Ubuntu" in os else "WINDOWS_SERVER")
    if cls == DeviceClass.VIRTUAL:
        return "HYPERV_VMM_GUEST" if device.hypervisor == "hyperv" else "VMWARE_VM_GUEST"
    if cls == DeviceClass.MOBILE:
        return "ANDROID" if os.startswith("Android") else "APPLE_IPADOS" if os.startswith("iPadOS") else "APPLE_IOS"
    if cls == DeviceClass.NETWORK:
        return NETWORK[os]
    return "CLOUD_MONITOR_TARGET" if os == "Cloud monitor target" else "UNMANAGED_DEVICE"


@dataclass(frozen=True)
class View:
    organizations: list[JSON]
    organizations_detailed: list[JSON]
    devices: list[JSON]
    devices_detailed: list[JSON]
    owners: dict[str, Owned]


class NinjaOne(FakeVendor):
    kind = "ninjaone"
    display_name = "NinjaOne"
    roles = (Role.RMM,)
    prefix = "/ninjaone"
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    token_lifetime = 3600.0
    spec = Spec(("ninjaone/ninjaone-v2-subset.json",), "https://app.ninjarmm.com")

    def declare_routes(self) -> tuple[Route, ...]:
        devices_of = list_route("GET", "/v2/organization/{id}/devices", lambda call: [
            d for d in call.view.devices if str(d["organizationId"]) == call.params["id"]], PAGES)
        return (
            list_route("GET", "/v2/organizations", lambda call: call.view.organizations, PAGES),
            list_route("GET", "/v2/organizations-detailed", lambda call: call.view.organizations_detailed, PAGES),
            Route(devices_of.method, devices_of.pattern, lambda call: devices_of.function(call)
                  if call.params["id"] in call.view.owners else self._missing(call, "Organization"), listing=PAGES),
            Route("GET", "/v2/organization/{id}", detail(lambda call: call.view.organizations_detailed,
                                                         lambda call, _: self._missing(call, "Organization"))),
            list_route("GET", "/v2/devices", _filtered(lambda view: view.devices), PAGES),
            list_route("GET", "/v2/devices-detailed", _filtered(lambda view: view.devices_detailed), PAGES),
            Route("GET", "/v2/device/{id}", detail(lambda call: call.view.devices_detailed,
                                                   lambda call, _: self._missing(call, "Device"))),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:ninjaone")
        orgs, detailed, devices, owners = [], [], [], {}
        org_id, location_id = 0, 0
        for customer, account in world.accounts(Role.RMM):
            org_id += 1 + rng.randint(0, 2)
            locations = {}
            for site in (s for s in customer.sites if s.key in account.sites):
                location_id += 1
                locations[site.key] = {"id": location_id, "name": site.name, "address": site.address,
                                       "description": "", "tags": [], "fields": {}, "userData": {}}
            held = [d for d in customer.held_by(account) if d.rmm]
            org = {"id": org_id, "name": account.name, "description": "",
                   "nodeApprovalMode": "MANUAL" if any(d.rmm == "pending" for d in held) else "AUTOMATIC",
                   "tags": [], "fields": {}, "userData": {}}
            orgs.append(org)
            detailed.append(org | {
                "locations": list(locations.values()),
                "policies": [{"nodeRoleId": r, "policyId": p} for r, p in sorted(set(ROLES.values()))[:4]],
                "settings": {"trayicon": {"product": "TRAYICON", "enabled": True, "targets": [], "options": {}}}})
            owners[str(org_id)] = (customer, account)
            devices += [_device(world, d, org_id, locations[d.site]["id"]) for d in held]
        devices.sort(key=lambda d: d["id"])
        return View(orgs, detailed, devices, [d | _details(d) for d in devices], owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        incident = uuid.uuid5(uuid.NAMESPACE_URL, f"{status}:{incoming.method}:{incoming.path}:{message}")
        return Reply(status, {"resultCode": "FAILURE", "errorMessage": message, "incidentId": str(incident)})

    def refuse(self, incoming: Incoming) -> Reply:
        reply = self.error(incoming, 401, "Unauthorized: the access token is missing, invalid or expired")
        reply.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return reply

    def _missing(self, call: Call, what: str) -> Reply:
        return self.error(call.incoming, 404, f"{what} not found")



def _filtered(rows: Callable[[View], list[JSON]]) -> Callable[[Call], list[JSON]]:
    def found(call: Call) -> list[JSON]:
        text = call.incoming.arg("df")
        return [d for d in rows(call.view) if device_filter(text)(d)] if text else rows(call.view)

    return found


def _device(world: World, device: Device, org: int, location: int) -> JSON:
    node = node_class(device)
    role, policy = ROLES.get(node, (40, 50))
    record: JSON = {
        "id": 1000 + device.number * 3 + int(hashlib.sha256(f"{world.seed}:{device.number}".encode()).digest()[0]) % 3,
        "uid": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{world.seed}:ninjaone:{device.number}")),
        "organizationId": org, "locationId": location, "nodeClass": node, "nodeRoleId": role, "rolePolicyId": policy,
        "policyId": policy, "approvalStatus": "APPROVED" if device.rmm == "approved" else "PENDING",
        "offline": (world.now - device.last_seen).total_seconds() > 900, "displayName": device.hostname,
        "systemName": device.hostname, "created": _epoch(device.created), "lastContact": _epoch(device.last_seen),
        "lastUpdate": round(_epoch(device.last_seen) + 1.25, 3), "tags": [], "fields": {}, "userData": {},
    }
    if device.cls != DeviceClass.NETWORK:
        record["dnsName"] = f"{device.hostname.lower()}.{device.hostname.split('-')[0].lower()}.local"
    if node.startswith("WINDOWS_"):
        record["netbiosName"] = device.hostname[:15]
    return record


def _details(device: JSON) -> JSON:
    digest = hashlib.sha256(device["uid"].encode()).digest()
    node = device["nodeClass"]
    return {
        "ipAddresses": [f"10.{digest[0]}.{digest[1]}.{digest[2] % 254 + 1}"],
        "macAddresses": [":".join(f"{b:02x}" for b in digest[3:9])],
        "publicIP": f"203.0.113.{digest[9] % 254 + 1}",
        "deviceType": "NMS" if node.startswith("NMS_") else DEVICE_TYPES.get(node, "AGENT"),
        "notes": [],
    }


def _epoch(moment: datetime) -> float:
    """Epoch seconds with a fraction, as NinjaOne sends them (never a whole number)."""
    seconds = round(moment.timestamp(), 3)
    return seconds if seconds % 1 else seconds + 0.125


# -- the device filter (`df`) -----------------------------------------------------------------------

FIELDS = {"org": "organizationId", "loc": "locationId", "id": "id", "class": "nodeClass",
          "status": "approvalStatus", "role": "nodeRoleId"}
CLAUSE = re.compile(r"^(?P<field>\w+)\s*(?P<op>=|!=|not\s+in|in)\s*(?P<value>.+)$", re.IGNORECASE)


def device_filter(text: str) -> Callable[[JSON], bool]:
    """NinjaOne's `df`: `org = 12`, `org in (12, 14) AND class = MAC`, `class not in (ANDROID)`,
    `status = PENDING`, `offline` / `online`. Anything else is a 400."""
    tests = [_clause(part.strip()) for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE) if part.strip()]
    return lambda device: all(test(device) for test in tests)


def _clause(text: str) -> Callable[[JSON], bool]:
    if text.lower() in ("online", "offline"):
        wanted = text.lower() == "offline"
        return lambda device: bool(device.get("offline")) == wanted
    found = CLAUSE.match(text)
    if not found or found["field"].lower() not in FIELDS:
        raise BadQuery(f"Invalid device filter clause: {text!r}", "df")
    key, op = FIELDS[found["field"].lower()], " ".join(found["op"].lower().split())
    raw = found["value"].strip()
    if op in ("in", "not in"):
        if not (raw.startswith("(") and raw.endswith(")")):
            raise BadQuery(f"Invalid device filter list: {raw!r}", "df")
        values = {v.strip().upper() for v in raw[1:-1].split(",") if v.strip()}
    else:
        values = {raw.upper()}
    negate = op in ("!=", "not in")
    return lambda device: (str(device.get(key, "")).upper() in values) != negate
