"""NinjaOne records as the API v2 serialises them: integer ids, epoch seconds with a fraction,
`fields`/`userData` objects, and no key for a value a device class does not have.

    device(d) → {"id": 1042, "organizationId": 7, "nodeClass": "WINDOWS_WORKSTATION",
                 "approvalStatus": "APPROVED", "offline": false, "systemName": "BLU-WS03",
                 "lastContact": 1763200000.512, ...}
"""

from __future__ import annotations

import hashlib
from typing import Any

from sandbox.model import NinjaDevice, NinjaOrg

JSON = dict[str, Any]
ROLES = {  # nodeClass → (nodeRoleId, policyId)
    "WINDOWS_WORKSTATION": (1, 11), "MAC": (2, 12), "LINUX_WORKSTATION": (3, 13), "WINDOWS_SERVER": (4, 14),
    "LINUX_SERVER": (5, 15), "HYPERV_VMM_HOST": (6, 16), "VMWARE_VM_HOST": (7, 17), "VMWARE_VM_GUEST": (8, 18),
    "HYPERV_VMM_GUEST": (9, 19), "ANDROID": (10, 20), "APPLE_IOS": (11, 21), "APPLE_IPADOS": (12, 22),
}
DEVICE_TYPES = {"CLOUD_MONITOR_TARGET": "CLOUD_MONITOR", "UNMANAGED_DEVICE": "UNMANAGED", "VMWARE_VM_GUEST": "VM_GUEST",
                "HYPERV_VMM_GUEST": "VM_GUEST"}


def organization(o: NinjaOrg) -> JSON:
    return {"id": o.id, "name": o.name, "description": "", "nodeApprovalMode": o.approval_mode, "tags": [],
            "fields": {}, "userData": {}}


def organization_detailed(o: NinjaOrg) -> JSON:
    return organization(o) | {
        "locations": [{"id": loc.id, "name": loc.name, "address": loc.address, "description": "", "tags": [],
                       "fields": {}, "userData": {}} for loc in o.locations],
        "policies": [{"nodeRoleId": role, "policyId": policy} for role, policy in sorted(set(ROLES.values()))[:4]],
        "settings": {"trayicon": {"product": "TRAYICON", "enabled": True, "targets": [], "options": {}}},
    }


def device(d: NinjaDevice) -> JSON:
    role, policy = ROLES.get(d.node_class, (40, 50))
    record: JSON = {
        "id": d.id, "uid": d.uid, "organizationId": d.organization_id, "locationId": d.location_id,
        "nodeClass": d.node_class, "nodeRoleId": role, "rolePolicyId": policy, "policyId": policy,
        "approvalStatus": "APPROVED" if d.approved else "PENDING", "offline": d.offline,
        "displayName": d.system_name, "systemName": d.system_name, "created": d.created,
        "lastContact": d.last_contact, "lastUpdate": round(d.last_contact + 1.25, 3), "tags": [], "fields": {},
        "userData": {},
    }
    if d.dns_name:
        record["dnsName"] = d.dns_name
    if d.node_class.startswith("WINDOWS_"):
        record["netbiosName"] = d.system_name[:15]
    return record


def device_detailed(d: NinjaDevice) -> JSON:
    digest = hashlib.sha256(d.uid.encode()).digest()
    node = d.node_class
    return device(d) | {
        "ipAddresses": [f"10.{digest[0]}.{digest[1]}.{digest[2] % 254 + 1}"],
        "macAddresses": [":".join(f"{b:02x}" for b in digest[3:9])],
        "publicIP": f"203.0.113.{digest[9] % 254 + 1}",
        "deviceType": "NMS" if node.startswith("NMS_") else DEVICE_TYPES.get(node, "AGENT"),
        "notes": [],
    }
