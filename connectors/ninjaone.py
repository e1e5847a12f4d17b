"""NinjaOne RMM (Public API v2): organisations and their approved devices, counted by device class.

Reads: `GET /v2/organizations` and `GET /v2/devices` (id-cursor paging), with the OAuth2
client-credentials grant and only the read-only `monitoring` scope.
Never reads: remote-control sessions, device passwords, scripts, custom-field secrets or files.

Device classes map to metrics as NinjaOne's `nodeClass` says (see `CATEGORY`); virtual guests
count as servers, and any class NinjaOne adds later counts as `devices:other` rather than
failing the sync. Only devices with `approvalStatus == "APPROVED"` count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from connectors.auth import OAuth2ClientCredentials
from connectors.base import Connector, Field, Guidance, Role
from connectors.paging import IdCursor
from connectors.parse import epoch_datetime, require
from connectors.records import Account, Asset, Quantity, Record

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
        reads="Organizations and devices: device class, approval status, name and last contact.",
        never_reads="Remote-control sessions, device passwords, scripts or file contents.",
        role="An API Services (machine-to-machine) app with the client-credentials grant and only "
             "the `monitoring` scope (Administration › Apps › API); never grant `management` or `control`.",
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

    def test(self) -> None:
        self.http.json("v2/organizations", {"pageSize": 1})

    def sync(self) -> Iterator[Record]:
        for org in self.http.items("v2/organizations", paging=self.paging):
            yield Account(id=str(require(org, "id", self.display_name)), name=str(org.get("name") or org["id"]))
        counts: Counter[tuple[str, str]] = Counter()
        for device in self.http.items("v2/devices", paging=self.paging):
            if device.get("approvalStatus", "APPROVED") != "APPROVED":
                continue
            account_id = str(require(device, "organizationId", self.display_name))
            metric = f"devices:{category(str(require(device, 'nodeClass', self.display_name)))}"
            counts[account_id, metric] += 1
            yield Asset(
                account_id=account_id,
                metric=metric,
                id=str(require(device, "id", self.display_name)),
                name=str(device.get("systemName") or device.get("displayName") or device.get("dnsName") or device["id"]),
                last_seen=epoch_datetime(device.get("lastContact"), self.display_name),
            )
        for (account_id, metric), count in counts.items():
            yield Quantity(account_id=account_id, metric=metric, value=Decimal(count))

