"""Storage billed in units: a usage side in bytes against a billed line counted in GB or TB.

Storage quantities are kept in bytes (a Decimal, as every connector reports them); a check that
bills storage says in which unit, how a part-used unit rounds, and how much is included free:

    StorageBilling("TB", "started", Decimal(1)).billable(Decimal("3_300_000_000_000"))  # 3: 2.3 TB past the free one
    StorageBilling("TB", "started").billable(Decimal("2_300_000_000_000"))  # 3: a line billing 2 is under by 1

Units are decimal (1 TB = 10^12 bytes, as disks and most backup vendors count) unless the check
names a binary one (TiB = 2^40 bytes); every result's note says which. The included quantity is
taken off the used amount before rounding, so "first 1 TB included, per started TB" bills 2.3 TB
as 2 TB. Rounding `exact` bills the used amount to hundredths of a unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from reconcile.errors import Invalid

ZERO, CENT = Decimal(0), Decimal("0.01")
# unit → (bytes in one unit, how the report names the convention)
UNITS = {
    "GB": (Decimal(10**9), "decimal units, 1 GB = 10^9 bytes"),
    "TB": (Decimal(10**12), "decimal units, 1 TB = 10^12 bytes"),
    "GiB": (Decimal(2**30), "binary units, 1 GiB = 2^30 bytes"),
    "TiB": (Decimal(2**40), "binary units, 1 TiB = 2^40 bytes"),
}
STARTED, EXACT = "started", "exact"
ROUNDINGS = (STARTED, EXACT)


@dataclass(frozen=True)
class StorageBilling:
    """How a check bills storage: `unit` (GB, TB, GiB, TiB), `rounding` (started | exact), `included` units free."""

    unit: str
    rounding: str = STARTED
    included: Decimal = ZERO

    @property
    def unit_bytes(self) -> Decimal:
        return UNITS[self.unit][0]

    def used(self, usage_bytes: Decimal) -> Decimal:
        """The bytes in this unit, to hundredths, as a person reads them ("2.3 TB")."""
        return (usage_bytes / self.unit_bytes).quantize(CENT, rounding=ROUND_HALF_UP)

    def billable(self, usage_bytes: Decimal) -> Decimal:
        """Units that should be billed: the used amount less the included, rounded as the check says."""
        beyond = max(ZERO, usage_bytes / self.unit_bytes - self.included)
        rounding = ROUND_CEILING if self.rounding == STARTED else ROUND_HALF_UP
        return beyond.quantize(Decimal(1) if self.rounding == STARTED else CENT, rounding=rounding)

    def describe(self) -> str:
        """ "per started TB, first 1 TB included (decimal units, 1 TB = 10^12 bytes)" """
        per = f"per started {self.unit}" if self.rounding == STARTED else f"per {self.unit} to 0.01"
        free = f", first {self.included.normalize():f} {self.unit} included" if self.included else ""
        return f"{per}{free} ({UNITS[self.unit][1]})"

    def note(self, usage_bytes: Decimal) -> str:
        """What a result says about its storage: the amount used and how it is billed."""
        return f"{self.used(usage_bytes).normalize():f} {self.unit} used, billed {self.describe()}"


def storage_billing(unit: str | None, rounding: str | None = None,
                    included: Decimal | None = None) -> StorageBilling | None:
    """The billing a person typed (unit case aside), or None without a unit; `Invalid` in words otherwise."""
    if not unit or not unit.strip():
        if rounding or included:
            raise Invalid("--rounding and --included need --unit (GB, TB, GiB or TiB): the unit storage is billed in")
        return None
    named = {u.casefold(): u for u in UNITS}.get(unit.strip().casefold())
    if named is None:
        raise Invalid(f"unit must be one of {', '.join(UNITS)} (decimal GB/TB, binary GiB/TiB), not {unit.strip()!r}")
    how = (rounding or STARTED).strip().casefold()
    if how not in ROUNDINGS:
        raise Invalid(f"rounding must be {' or '.join(ROUNDINGS)} (bill every started {named}, or to 0.01 {named}), "
                      f"not {rounding!r}")
    return StorageBilling(named, how, included if included is not None else ZERO)
