"""What the sandbox MSP sells and buys: its ConnectWise catalog, its Pax8 products, and the three
demo checks that compare them with NinjaOne devices.

The demo checks are plain data (`demo_checks()`), in the shape the demo command creates checks
from; the answer key in `World.answer_key` is planted against exactly these three.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Product:
    """One sellable thing: a ConnectWise catalog item or a Pax8 product."""

    code: str  # ConnectWise `identifier`, or Pax8 `sku`
    name: str
    price: Decimal  # to the customer, per unit per month
    cost: Decimal
    vendor: str = ""
    vendor_sku: str = ""


# ConnectWise catalog (procurement/catalog)
MANAGED_WORKSTATION = Product("MW-01", "Managed Workstation", Decimal("45.00"), Decimal("12.00"), "Sandbox MSP")
MANAGED_SERVER = Product("MS-01", "Managed Server", Decimal("95.00"), Decimal("30.00"), "Sandbox MSP")
M365_BILLED = Product("M365-BP", "Microsoft 365 Business Premium", Decimal("22.00"), Decimal("18.70"),
                      "Microsoft", "CFQ7TTC0LCHC:0002")
SERVER_BACKUP = Product("BK-01", "Server Backup", Decimal("30.00"), Decimal("11.00"), "Sandbox MSP")
ONSITE_BLOCK = Product("HD-10", "Onsite Support Block (10 h)", Decimal("1250.00"), Decimal("0.00"), "Sandbox MSP")
CONNECTWISE_CATALOG = (MANAGED_WORKSTATION, MANAGED_SERVER, M365_BILLED, SERVER_BACKUP, ONSITE_BLOCK)

# Pax8 products (/products)
M365_LICENSED = Product("MST-M365-BP", "Microsoft 365 Business Premium", Decimal("22.00"), Decimal("18.70"),
                        "Microsoft", "CFQ7TTC0LCHC:0002")
SECURITY = Product("BDF-GZ-BS", "Bitdefender GravityZone Business Security", Decimal("3.50"), Decimal("1.90"),
                   "Bitdefender", "GZ-BS-1Y")
M365_STANDARD = Product("MST-M365-BS", "Microsoft 365 Business Standard", Decimal("12.50"), Decimal("10.63"),
                        "Microsoft", "CFQ7TTC0LDPB:0001")
EXCHANGE = Product("MST-EXO-P1", "Exchange Online (Plan 1)", Decimal("4.00"), Decimal("3.40"),
                   "Microsoft", "CFQ7TTC0LH16:0001")
PAX8_CATALOG = (M365_LICENSED, SECURITY, M365_STANDARD, EXCHANGE)

SEEN_WITHIN_DAYS = 30

WORKSTATIONS = "Managed workstations"
DEVICES_VS_LICENSES = "Devices vs licenses"
MICROSOFT_365 = "Microsoft 365"
CHECK_NAMES = (WORKSTATIONS, DEVICES_VS_LICENSES, MICROSOFT_365)


def demo_checks() -> list[dict[str, Any]]:
    """The three checks the demo creates, as plain data; the answer key is planted against them."""

    def check(name: str, billed: tuple[str, list[str]], usage: tuple[str, list[str]],
              seen_within_days: int | None = None) -> dict[str, Any]:
        return {
            "name": name,
            "billed": {"integration": billed[0], "metrics": billed[1]},
            "usage": {"integration": usage[0], "metrics": usage[1]},
            "seen_within_days": seen_within_days,
            "ratio": "1",
            "tolerance_units": "0",
            "tolerance_percent": "0",
        }

    return [
        check(WORKSTATIONS, ("connectwise", [f"billed:{MANAGED_WORKSTATION.code}"]),
              ("ninjaone", ["devices:workstation"]), SEEN_WITHIN_DAYS),
        check(DEVICES_VS_LICENSES, ("pax8", [f"licenses:{SECURITY.code}"]),
              ("ninjaone", ["devices:workstation", "devices:server"])),
        check(MICROSOFT_365, ("connectwise", [f"billed:{M365_BILLED.code}"]),
              ("pax8", [f"licenses:{M365_LICENSED.code}"])),
    ]
