"""What the sandbox MSP sells, what it buys, and the Microsoft 365 SKUs its customers hold.

`SOLD` is the MSP's own catalog (what its PSA bills, by the MSP's product codes); `BOUGHT` is
what it buys from its distributor for customers, under neutral codes that each distributor fake
maps to its own SKUs. `MICROSOFT` names the tenant SKUs by Microsoft's `skuPartNumber`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    price: Decimal  # to the customer, per unit per month
    cost: Decimal  # to the MSP
    vendor: str = "Sandbox MSP"
    recurring: bool = True
    maker_id: str = ""  # the maker's own product id (Microsoft's "CFQ7TTC0LCHC:0002")
    sku: str = ""  # Microsoft's skuPartNumber, for Microsoft products


# the MSP's catalog, as its PSA bills it
MANAGED_WORKSTATION = Product("MW-01", "Managed Workstation", Decimal("45.00"), Decimal("12.00"))
MANAGED_SERVER = Product("MS-01", "Managed Server", Decimal("95.00"), Decimal("30.00"))
M365_BILLED = Product("M365-BP", "Microsoft 365 Business Premium", Decimal("22.00"), Decimal("18.70"), "Microsoft",
                      maker_id="CFQ7TTC0LCHC:0002", sku="SPB")
SERVER_BACKUP = Product("BK-01", "Server Backup", Decimal("30.00"), Decimal("11.00"))
ONSITE_BLOCK = Product("HD-10", "Onsite Support Block (10 h)", Decimal("1250.00"), Decimal("0.00"), recurring=False)
ENDPOINT_SECURITY = Product("SEC-01", "Managed Endpoint Security", Decimal("6.00"), Decimal("1.90"))
SAAS_BACKUP = Product("BK-365", "Microsoft 365 Backup (per user)", Decimal("4.00"), Decimal("1.50"))
BACKUP_STORAGE = Product("BK-TB", "Backup Storage (per TB)", Decimal("40.00"), Decimal("15.00"))
SOLD = (MANAGED_WORKSTATION, MANAGED_SERVER, M365_BILLED, SERVER_BACKUP, ONSITE_BLOCK, ENDPOINT_SECURITY,
        SAAS_BACKUP, BACKUP_STORAGE)

# what the MSP buys from its distributor for its customers
M365_LICENSED = Product("M365-BP", "Microsoft 365 Business Premium", Decimal("22.00"), Decimal("18.70"), "Microsoft",
                        maker_id="CFQ7TTC0LCHC:0002", sku="SPB")
SECURITY = Product("GZ-BS", "Bitdefender GravityZone Business Security", Decimal("3.50"), Decimal("1.90"),
                   "Bitdefender", maker_id="GZ-BS-1Y")
M365_STANDARD = Product("M365-BS", "Microsoft 365 Business Standard", Decimal("12.50"), Decimal("10.63"), "Microsoft",
                        maker_id="CFQ7TTC0LDPB:0001", sku="O365_BUSINESS_PREMIUM")
EXCHANGE = Product("EXO-P1", "Exchange Online (Plan 1)", Decimal("4.00"), Decimal("3.40"), "Microsoft",
                   maker_id="CFQ7TTC0LH16:0001", sku="EXCHANGESTANDARD")
BOUGHT = (M365_LICENSED, SECURITY, M365_STANDARD, EXCHANGE)


@dataclass(frozen=True)
class Sku:
    part_number: str
    name: str
    free: bool = False  # free, trial or viral: not a paid seat


MICROSOFT = {sku.part_number: sku for sku in (
    Sku("SPB", "Microsoft 365 Business Premium"),
    Sku("O365_BUSINESS_PREMIUM", "Microsoft 365 Business Standard"),
    Sku("EXCHANGESTANDARD", "Exchange Online (Plan 1)"),
    Sku("FLOW_FREE", "Microsoft Power Automate Free", free=True),
    Sku("POWER_BI_STANDARD", "Microsoft Fabric (Free)", free=True),
    Sku("POWERAPPS_VIRAL", "Microsoft Power Apps Plan 2 Trial", free=True),
)}

SECURITY_TIERS = ("standard", "advanced", "complete")


def bought(code: str) -> Product:
    return next(p for p in BOUGHT if p.code == code)
