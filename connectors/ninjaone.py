"""NinjaOne RMM (Public API v2): organisations and their approved devices, counted by device class.

Device classes map to metrics as NinjaOne's `nodeClass` says (see `CATEGORY`); virtual guests
count as servers, and any class NinjaOne adds later counts as `devices:other` rather than
failing the sync. Only devices with `approvalStatus == "APPROVED"` count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.auth import OAuth2ClientCredentials
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint
from connectors.paging import IdCursor
from connectors.records import Account, Asset, Record, counted

REGIONS = (
    ("https://app.ninjarmm.com", "United States (app)"),
    ("https://us2.ninjarmm.com", "United States 2 (us2)"),
    ("https://eu.ninjarmm.com", "Europe (eu)"),
    ("https://oc.ninjarmm.com", "Oceania (oc)"),
    ("https://ca.ninjarmm.com", "Canada (ca)"),
)

CATEGORY = {
    "WINDOWS_WORKSTATION": "workstation",
    "LINUX_WORKSTATION": "workstation",
    "MAC": "workstation",
    "WINDOWS_SERVER": "server",
    "LINUX_SERVER": "server",
    "MAC_SERVER": "server",
    "HYPERV_VMM_HOST": "server",
    "VMWARE_VM_HOST": "server",
    # virtual guests are billed like servers by most MSPs
    "VMWARE_VM_GUEST": "server",
    "HYPERV_VMM_GUEST": "server",
    "ANDROID": "mobile",
    "APPLE_IOS": "mobile",
    "APPLE_IPADOS": "mobile",
}


def category(node_class: str) -> str:
    """`"WINDOWS_SERVER"` → `"server"`; every `NMS_*` class is network; anything new is other."""
    if node_class.startswith("NMS_"):
        return "network"
    return CATEGORY.get(node_class, "other")


class NinjaOne(Connector):
    kind = "ninjaone"
    display_name = "NinjaOne"
    role = Role.USAGE
    fields = (
        Field("base_url", "Region", default=REGIONS[0][0], choices=REGIONS,
              hint="Your NinjaOne console's host"),
        Field("client_id", "Client ID"),
        Field("client_secret", "Client secret", secret=True),
    )
    guidance = Guidance(
        reads="Organizations (id, name) and devices: class, approval status, organization, name and last contact.",
        why="Organizations are matched to clients; approved devices, counted by class, are the usage compared "
            "with what each client is billed for managed workstations, servers and network devices. The "
            "`monitoring` scope is NinjaOne's read-only scope, and it lists both.",
        never_reads="Remote-control sessions, device passwords, scripts, custom-field secrets or file contents.",
        writes_back="Never. The `monitoring` scope cannot run scripts, change devices or open sessions, and "
                    "BillingReconcile asks for no other scope.",
        revoke="in NinjaOne, Administration › Apps › API › Client App IDs, delete the API Services app made for "
               "BillingReconcile (or generate a new secret for it).",
        permission="An API Services (machine-to-machine) app with the client-credentials grant and only the "
                   "`monitoring` scope (Administration › Apps › API); never grant `management` or `control`.",
    )
    metrics = {
        "devices:workstation": "Approved workstations (Windows, Linux, Mac)",
        "devices:server": "Approved servers, hypervisor hosts and virtual guests",
        "devices:mobile": "Approved phones and tablets",
        "devices:network": "Approved network devices (NMS)",
        "devices:other": "Approved devices of any other class",
    }
    auth = OAuth2ClientCredentials(token_path="ws/oauth/token", scope="monitoring")
    paging = IdCursor(param="after", size_param="pageSize", size=1000)

    test_call = Endpoint("v2/organizations", params={"pageSize": 1})
    organizations = Endpoint("v2/organizations")
    devices = Endpoint("v2/devices", keep=lambda device: device.get("approvalStatus", "APPROVED") == "APPROVED")

    def sync(self) -> Iterator[Record]:
        for org in self.items(self.organizations):
            yield Account(id=str(self.read.require(org, "id")), name=str(org.get("name") or org["id"]))
        yield from counted(self.asset(device) for device in self.items(self.devices))

    def asset(self, device: dict[str, Any]) -> Asset:
        """An approved device under its class's metric, named as the console shows it."""
        return Asset(
            account_id=str(self.read.require(device, "organizationId")),
            metric=f"devices:{category(str(self.read.require(device, 'nodeClass')))}",
            id=str(self.read.require(device, "id")),
            name=str(device.get("systemName") or device.get("displayName") or device.get("dnsName") or device["id"]),
            last_seen=self.read.epoch_datetime(device.get("lastContact")),
        )
