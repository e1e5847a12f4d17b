"""What every connector declares, and the little machinery that turns a declaration into a client.

A vendor module subclasses `Connector`, fills in the class attributes and writes `test()` and
`sync()`; see `ninjaone.py` for a complete one. Everything else (auth, retries, paging, pace,
redaction) comes from `http.VendorClient`.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

import httpx

from connectors.auth import AuthSpec
from connectors.errors import ConfigError
from connectors.http import DEFAULT_POLICY, HttpPolicy, VendorClient, error_message
from connectors.records import Record


class Role(str, Enum):
    """Which side of a check a source can stand on."""

    BILLING = "billing"
    USAGE = "usage"
    BOTH = "both"


@dataclass(frozen=True)
class Field:
    """One setting a user gives when connecting: shown in the connect modal and `billrec connect`.

    `choices` are (value, label) pairs such as regional base URLs; a user may still type another
    value (a self-hosted server, a test sandbox).
    """

    name: str
    label: str
    secret: bool = False
    default: str | None = None
    required: bool = True
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Guidance:
    """Least-privilege guidance shown before anyone pastes a key."""

    reads: str
    never_reads: str
    role: str
    writes_back: str = "Never. BillingReconcile only reads."


class Connector:
    """Base of every vendor connector: declare the class attributes, implement `test` and `sync`."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    role: ClassVar[Role]
    fields: ClassVar[tuple[Field, ...]]
    guidance: ClassVar[Guidance]
    # metric key or pattern ("billed:*") → what it counts
    metrics: ClassVar[dict[str, str]]
    auth: ClassVar[AuthSpec | None] = None
    # extra headers on every request; values are format strings over the settings
    headers: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        settings: Mapping[str, str],
        *,
        policy: HttpPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = self.clean_settings(settings)
        base_url = self.settings["base_url"]
        self.http = VendorClient(
            self.display_name,
            base_url,
            auth=self.auth.build(self.settings, base_url) if self.auth else None,
            headers={name: value.format(**self.settings) for name, value in self.headers.items()},
            secrets=self.secret_values(),
            policy=policy,
            check_response=self.check_response,
            describe_error=self.describe_error,
            sleep=sleep,
        )

    # -- declared behaviour ---------------------------------------------------------------

    def test(self) -> None:
        """One cheap authenticated read; raises a `ConnectorError` when it fails."""
        raise NotImplementedError

    def sync(self) -> Iterator[Record]:
        """Yield accounts, quantities and assets, page by page."""
        raise NotImplementedError

    # -- hooks a vendor may override -------------------------------------------------------

    def check_response(self, response: httpx.Response, body: Any) -> None:
        """Raise a `ConnectorError` for a vendor that reports errors inside a 200 body."""

    def describe_error(self, response: httpx.Response) -> str:
        """The vendor's own words for an error response."""
        return error_message(response)

    # -- mechanics ------------------------------------------------------------------------

    @classmethod
    def clean_settings(cls, settings: Mapping[str, str]) -> dict[str, str]:
        """Apply defaults, strip whitespace and refuse missing or unknown fields."""
        known = {f.name for f in cls.fields}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ConfigError(f"{cls.display_name} has no setting {', '.join(unknown)}; "
                              f"it takes {', '.join(sorted(known))}")
        clean: dict[str, str] = {}
        missing = []
        for field in cls.fields:
            value = (settings.get(field.name) or field.default or "").strip()
            if field.required and not value:
                missing.append(field.label)
            clean[field.name] = value
        if missing:
            raise ConfigError(f"{cls.display_name} needs {', '.join(missing)}")
        base = clean.get("base_url", "")
        if base and not base.startswith(("https://", "http://")):
            raise ConfigError(f"{cls.display_name}: the API URL must start with https://")
        return clean

    def secret_values(self) -> list[str]:
        return [self.settings[f.name] for f in self.fields if f.secret and self.settings.get(f.name)]

    @classmethod
    def declares(cls, metric: str) -> bool:
        """True when `metric` is in this connector's catalog (patterns such as `billed:*` count)."""
        return any(fnmatch.fnmatchcase(metric, pattern) for pattern in cls.metrics)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
