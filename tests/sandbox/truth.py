"""An independent reading of a world's records by each vendor's documented rules.

Tests compare it with the answer key (did the generator write what it planted?) and with what
the real connectors report over HTTP. The rules come from `vendor-apis/*.md`, not from the
connectors, so a connector bug cannot hide behind the same bug here.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sandbox import catalog
from sandbox.model import World

A, B, C = catalog.CHECK_NAMES
WORKSTATIONS = {"WINDOWS_WORKSTATION", "LINUX_WORKSTATION", "MAC"}
SERVERS = {"WINDOWS_SERVER", "LINUX_SERVER", "MAC_SERVER", "HYPERV_VMM_HOST", "VMWARE_VM_HOST",
           "VMWARE_VM_GUEST", "HYPERV_VMM_GUEST"}

Key = tuple[str, str, str, str]  # (vendor, account id, check, "billed" | "actual")


def billed_additions(world: World) -> Counter[tuple[str, str]]:
    """ConnectWise billable units per (company id, product identifier), active today."""
    live = {a.id: a for a in world.connectwise.agreements if a.cancelled is None}
    units: Counter[tuple[str, str]] = Counter()
    for addition in world.connectwise.additions:
        agreement = live.get(addition.agreement_id)
        if (agreement is None or addition.bill_customer != "Billable" or addition.effective > world.now
                or (addition.cancelled is not None and addition.cancelled <= world.now)):
            continue
        units[str(agreement.company_id), addition.product] += addition.quantity - addition.less_included
    return units


def approved_devices(world: World) -> Counter[tuple[str, str]]:
    """NinjaOne approved devices per (org id, "workstation" | "fresh workstation" | "server")."""
    fresh_since = (world.now - timedelta(days=catalog.SEEN_WITHIN_DAYS)).timestamp()
    units: Counter[tuple[str, str]] = Counter()
    for device in world.ninjaone.devices:
        if not device.approved:
            continue
        org = str(device.organization_id)
        if device.node_class in WORKSTATIONS:
            units[org, "workstation"] += 1
            units[org, "fresh workstation"] += device.last_contact >= fresh_since
        elif device.node_class in SERVERS:
            units[org, "server"] += 1
    return units


def active_licences(world: World) -> Counter[tuple[str, str]]:
    """Pax8 licences on Active subscriptions per (company id, product sku)."""
    sku = {p.id: p.sku for p in world.pax8.products}
    alive = {c.id for c in world.pax8.companies if c.status != "Deleted"}
    units: Counter[tuple[str, str]] = Counter()
    for sub in world.pax8.subscriptions:
        if sub.status == "Active" and sub.company_id in alive:
            units[sub.company_id, sku[sub.product_id]] += sub.quantity
    return units


def counted_by_account(world: World) -> Counter[Key]:
    """Units per account, check and side; a key exists whenever the account has a record for the check."""
    counted: Counter[Key] = Counter()
    for (company, product), units in billed_additions(world).items():
        if product == catalog.MANAGED_WORKSTATION.code:
            counted["connectwise", company, A, "billed"] += units
        elif product == catalog.M365_BILLED.code:
            counted["connectwise", company, C, "billed"] += units
    for (org, kind), units in approved_devices(world).items():
        if kind == "fresh workstation":
            counted["ninjaone", org, A, "actual"] += units
        else:
            counted["ninjaone", org, B, "actual"] += units
    for (company, sku), units in active_licences(world).items():
        if sku == catalog.SECURITY.code:
            counted["pax8", company, B, "billed"] += units
        elif sku == catalog.M365_LICENSED.code:
            counted["pax8", company, C, "actual"] += units
    return counted
