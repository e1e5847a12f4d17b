"""Checks stated in the truth's words: "the PSA's product MW-01 against the RMM's workstations
seen within 30 days", whatever PSA and RMM serve them.

A side names a role and neutral metrics (see `measures.py` for what each counts); a fake vendor
maps neutral metrics to its connector's metric keys (`FakeVendor.metric`). `PLANTED` are the
checks whose results the generator plants with a chosen mix of statuses; `CATALOG` adds checks
the world answers without planting (their mix is whatever the data gives).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandbox.truth.model import Role

SEEN_WITHIN_DAYS = 30
WORKSTATIONS = "Managed workstations"
DEVICES_VS_LICENSES = "Devices vs licenses"
MICROSOFT_365 = "Microsoft 365"
ENDPOINT_SECURITY = "Endpoint security"
SERVER_BACKUP = "Server backup"
SAAS_BACKUP = "Microsoft 365 backup seats"
ASSIGNED_M365 = "Microsoft 365 assigned"
THREE_WAY = "Microsoft 365 billed, bought, assigned"
BACKUP_STORAGE = "Backup storage"
STORAGE_INCLUDED_TB = 1  # the storage line's first TB is free: it bills every started TB beyond it
EDR_COVERAGE = "EDR coverage"
QUANTITY, COVERAGE = "quantity", "coverage"

MACHINES = ("devices:workstation", "devices:laptop", "devices:server", "devices:virtual")
ENDPOINTS = ("endpoints:standard", "endpoints:advanced", "endpoints:complete")


@dataclass(frozen=True)
class Side:
    role: Role
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    billed: Side
    usage: Side
    seen_within_days: int | None = None
    ratio: Decimal = Decimal(1)
    tolerance_units: Decimal = Decimal(0)
    tolerance_percent: Decimal = Decimal(0)
    # storage: usage in bytes billed per `unit` (TB: 10^12 bytes, TiB: 2^40), every started unit
    # ("started") or to hundredths ("exact"), with `included` units free
    unit: str | None = None
    rounding: str = "started"
    included: Decimal = Decimal(0)
    # COVERAGE: `billed` is the machines that should be protected, `usage` the agents that protect them
    kind: str = QUANTITY
    # a three-way licence check: what the MSP buys, between billed and the tenant's assigned seats (`usage`)
    bought: Side | None = None

    @property
    def sides(self) -> tuple[Side, ...]:
        return (self.billed, self.usage) + ((self.bought,) if self.bought else ())

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(side.role for side in self.sides)


PLANTED = (
    CheckSpec(WORKSTATIONS, Side(Role.PSA, ("billed:MW-01",)), Side(Role.RMM, ("devices:workstation", "devices:laptop")),
              SEEN_WITHIN_DAYS),
    CheckSpec(DEVICES_VS_LICENSES, Side(Role.DISTRIBUTOR, ("licences:GZ-BS",)), Side(Role.RMM, MACHINES)),
    CheckSpec(MICROSOFT_365, Side(Role.PSA, ("billed:M365-BP",)), Side(Role.DISTRIBUTOR, ("licences:M365-BP",))),
)
CATALOG = PLANTED + (
    CheckSpec(ENDPOINT_SECURITY, Side(Role.PSA, ("billed:SEC-01",)), Side(Role.SECURITY, ENDPOINTS), SEEN_WITHIN_DAYS),
    CheckSpec(SERVER_BACKUP, Side(Role.PSA, ("billed:BK-01",)), Side(Role.BACKUP, ("protected:server", "protected:vm"))),
    CheckSpec(SAAS_BACKUP, Side(Role.PSA, ("billed:BK-365",)), Side(Role.BACKUP, ("seats:user", "seats:shared mailbox"))),
    CheckSpec(ASSIGNED_M365, Side(Role.PSA, ("billed:M365-BP",)), Side(Role.M365, ("assigned:SPB",))),
    # billed vs assigned with what is bought between them; with a distributor it says all ASSIGNED_M365 does
    CheckSpec(THREE_WAY, Side(Role.PSA, ("billed:M365-BP",)), Side(Role.M365, ("assigned:SPB",)),
              bought=Side(Role.DISTRIBUTOR, ("licences:M365-BP",))),
    CheckSpec(BACKUP_STORAGE, Side(Role.PSA, ("billed:BK-TB",)), Side(Role.BACKUP, ("storage:bytes",)),
              unit="TB", included=Decimal(STORAGE_INCLUDED_TB)),
    CheckSpec(EDR_COVERAGE, Side(Role.RMM, MACHINES), Side(Role.SECURITY, ENDPOINTS), SEEN_WITHIN_DAYS, kind=COVERAGE),
)
NAMES = tuple(c.name for c in CATALOG)


# a check another one includes whole: not added beside it (the three-way check reports billed vs assigned)
SUPERSEDED = {ASSIGNED_M365: THREE_WAY}


def for_roles(roles: frozenset[Role] | set[Role]) -> tuple[CheckSpec, ...]:
    """The catalog's checks whose every side has a source among `roles`, but those another of them includes."""
    found = tuple(check for check in CATALOG if check.roles <= set(roles))
    names = {check.name for check in found}
    return tuple(check for check in found if SUPERSEDED.get(check.name) not in names)
