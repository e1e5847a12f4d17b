"""Reading vendor values strictly: a missing id or a price that is not a number is a `BadResponse`.

Each helper names the vendor, so the user learns whose data was malformed:

    require(device, "organizationId", "NinjaOne")   → the value, or BadResponse
    number("22.50", "Pax8")                          → Decimal("22.50")
    iso_datetime("2026-01-01T00:00:00Z", "ConnectWise PSA") → aware datetime
    epoch_datetime(1717000000.512, "NinjaOne")        → aware datetime
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.errors import BadResponse


def require(item: Any, key: str, vendor: str) -> Any:
    """`item[key]`, refusing a record that is not an object or lacks the key."""
    if not isinstance(item, dict) or item.get(key) is None:
        raise BadResponse(f"a record from {vendor} has no {key!r}")
    return item[key]


def number(value: Any, vendor: str) -> Decimal:
    """A quantity or price as a Decimal (never a float)."""
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite() or isinstance(value, bool):
        raise BadResponse(f"{vendor} sent a quantity or price that is not a number: {str(value)[:40]!r}")
    return result


def iso_datetime(value: Any, vendor: str) -> datetime | None:
    """An ISO 8601 timestamp (`Z` allowed) as an aware datetime; naive ones are taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadResponse(f"{vendor} sent a date that is not ISO 8601: {str(value)[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def epoch_datetime(value: Any, vendor: str) -> datetime | None:
    """Unix seconds (a fraction allowed) as an aware datetime."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        raise BadResponse(f"{vendor} sent a timestamp that is not epoch seconds: {str(value)[:40]!r}") from None
