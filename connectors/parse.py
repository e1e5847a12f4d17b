"""Reading vendor values strictly: a missing id or a price that is not a number is a `BadResponse`.

A `Reader` is bound to one vendor's name once, so every message says whose data was malformed
without each call repeating it. Every connector has one as `read` (see `base.Connector`):

    read = Reader("NinjaOne")
    read.require(device, "organizationId")          → the value, or BadResponse
    read.require(agreement, "company.id")           → a nested value
    read.number("22.50")                            → Decimal("22.50")
    read.optional_number(None)                      → None
    read.iso_datetime("2026-01-01T00:00:00Z")       → aware datetime
    read.epoch_datetime(1717000000.512)             → aware datetime
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.errors import BadResponse


@dataclass(frozen=True)
class Reader:
    """Strict readers of one vendor's values; `vendor` is the name the user knows."""

    vendor: str

    def require(self, item: Any, key: str) -> Any:
        """`item[key]` (a dotted key reads nested objects), refusing a record that lacks it."""
        value = item
        for part in key.split("."):
            if not isinstance(value, dict) or value.get(part) is None:
                raise BadResponse(f"a record from {self.vendor} has no {part!r}")
            value = value[part]
        return value

    def number(self, value: Any) -> Decimal:
        """A quantity or price as a Decimal (never a float)."""
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            result = None
        if result is None or not result.is_finite() or isinstance(value, bool):
            raise BadResponse(f"{self.vendor} sent a quantity or price that is not a number: {str(value)[:40]!r}")
        return result

    def optional_number(self, value: Any) -> Decimal | None:
        """`number(value)`, or None where the vendor left it out (a line with no price)."""
        return None if value is None else self.number(value)

    def iso_datetime(self, value: Any) -> datetime | None:
        """An ISO 8601 timestamp (`Z` allowed) as an aware datetime; naive ones are taken as UTC."""
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise BadResponse(f"{self.vendor} sent a date that is not ISO 8601: {str(value)[:40]!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def epoch_datetime(self, value: Any) -> datetime | None:
        """Unix seconds (a fraction allowed) as an aware datetime."""
        if value is None:
            return None
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (TypeError, ValueError, OverflowError):
            raise BadResponse(f"{self.vendor} sent a timestamp that is not epoch seconds: {str(value)[:40]!r}") from None
