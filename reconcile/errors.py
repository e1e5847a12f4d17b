"""Failures the user caused or can fix, each with a message fit to show as it is.

The faces (CLI, Slack, the clock) catch `KNOWN` — these, and a vendor's `ConnectorError` — and
show `shown(error)`; anything else is a bug and goes to their one error handler with a
traceback in the log.
"""

from __future__ import annotations

from connectors.errors import ConnectorError
from connectors.redact import redact


class UserError(Exception):
    """Something the user asked for cannot be done; the message says why and what to do."""

    @property
    def message(self) -> str:
        return str(self.args[0])


class NotFound(UserError):
    """No integration, client, check or snapshot by that name."""


class Conflict(UserError):
    """The request clashes with the current state (a name taken, a sync already running)."""


class Invalid(UserError):
    """The request is malformed (an unknown metric, a bad period, a negative tolerance)."""


class Refused(UserError):
    """The user may not do this (not a billing admin)."""


KNOWN: tuple[type[Exception], ...] = (UserError, ConnectorError)


def shown(error: Exception, secrets: tuple[str, ...] = ()) -> str:
    """The message of a known failure, with anything that looks like a secret masked."""
    text = error.message if isinstance(error, (UserError, ConnectorError)) else str(error)
    return redact(text, secrets)
