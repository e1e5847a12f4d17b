"""`--format table|json` for every list command, so a script never parses a table.

The JSON is one object naming what it lists (`{"links": [...]}`), each item the service's own record
as plain JSON: numbers that are Decimals stay strings (no precision lost, as in `reconcile --format
json`), times are ISO 8601 in UTC, enums their value. An empty list is `[]`, never the table's
sentence. Only what the table's service returns is listed: an integration's secrets never reach
these records (`IntegrationInfo` holds its public settings only).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import click

from reconcile import csvexport

Item = TypeVar("Item")

format_option = click.option(
    "--format", "format_", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="json: the same rows as one JSON object, for scripts.")


def plain(value: Any) -> Any:
    """`value` as JSON can hold it, recursively (dataclasses by their fields)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return csvexport.quantity(value)  # "12", "0.5": as the CSV writes a number
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [plain(v) for v in value]
    return value


def emit(format_: str, what: str, items: Sequence[Item], table: Callable[[Sequence[Item]], str], empty: str, *,
         extra: Callable[[Item], Mapping[str, Any]] | None = None) -> None:
    """Print `items` as the table (or `empty` when there are none) or as `{what: [...]}`; `extra` adds
    per-item fields the record itself does not carry (an integration's health, its next sync)."""
    if format_ == "json":
        rows = [{**plain(item), **plain(extra(item) if extra else {})} for item in items]
        click.echo(json.dumps({what: rows}, indent=2, ensure_ascii=False))
    else:
        click.echo(table(items) if items else empty)
