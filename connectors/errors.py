"""Typed connector failures, each saying what the user must do.

    ConnectorError
    ├── ConfigError         a field is missing or malformed: fix the settings
    ├── AuthFailed          the vendor refused the credentials: fix the key or its role
    ├── RateLimited         the vendor said slow down, and kept saying it: try later
    ├── VendorUnavailable   5xx, timeouts, refused connections: try later
    └── BadResponse         garbage, a changed shape, a runaway cursor: report it

Messages name the vendor, the method, the path and the status, never a query string, a header
or a credential; `http.VendorClient` runs every message through `redact()` before raising.
Each class has a `kind`, a stable word stored beside the message (an integration's last error)
so a face can say what went wrong without the vendor's words.
"""

from __future__ import annotations

from typing import ClassVar


class ConnectorError(Exception):
    """Base of every failure a connector reports to the user."""

    retriable = False
    kind: ClassVar[str] = "vendor"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0])


class ConfigError(ConnectorError):
    """A setting is missing or malformed; nothing was sent to the vendor."""

    kind = "settings"


class AuthFailed(ConnectorError):
    """The vendor refused the credentials (401) or the role lacks a permission (403)."""

    kind = "credentials"


class RateLimited(ConnectorError):
    """The vendor kept answering 429 after every retry we allowed."""

    retriable = True
    kind = "rate_limited"


class VendorUnavailable(ConnectorError):
    """5xx answers, timeouts or connection errors outlasted our retries."""

    retriable = True
    kind = "unreachable"


class BadResponse(ConnectorError):
    """The answer was not what the vendor documents: bad JSON, a missing field, a looping cursor."""

    kind = "unreadable"
