"""Reading Web API parameters the way Slack does, and the error a method answers with.

Slack accepts the same method as a JSON body or a form body. In a form body, nested values
(`blocks`, `view`, `files`) arrive as JSON-encoded strings and booleans as "1"/"true"; in a
JSON body they arrive as real lists, dicts and booleans. The helpers here accept both, so a
method handler reads `params` without caring which client sent it.
"""

from __future__ import annotations

import json
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """An `{"ok": false, "error": ...}` answer, raised from anywhere inside a method handler.

    Args:
        error: Slack's error code, e.g. "channel_not_found".
        status: HTTP status; Slack answers most errors with 200.
        headers: extra response headers (Retry-After for 429).
        extra: extra top-level keys, e.g. `response_metadata` or `needed`/`provided`.
    """

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> JSON:
        return {"ok": False, "error": self.error, **self.extra}


def with_messages(error: str, messages: list[str]) -> ApiError:
    """An error carrying Slack's `response_metadata.messages` ("[ERROR] ... [json-pointer:...]")."""
    return ApiError(error, response_metadata={"messages": messages})


def required(params: JSON, name: str, error: str = "invalid_arguments") -> str:
    """A required string parameter; a missing or empty one answers `error`."""
    value = params.get(name)
    if value is None or value == "":
        raise with_messages(error, [f"[ERROR] missing required field: {name}"])
    return str(value)


def optional(params: JSON, name: str) -> str | None:
    """A string parameter, None when absent or empty (clients send "" for "not given")."""
    value = params.get(name)
    return None if value is None or value == "" else str(value)


def flag(params: JSON, name: str) -> bool:
    """A boolean parameter: JSON true, or "1"/"true" in a form body."""
    value = params.get(name)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true")


def structured(params: JSON, name: str, error: str) -> Any:
    """A JSON-valued parameter that may arrive already decoded or as a JSON string.

    Returns None when absent. An undecodable string answers `error`.
    """
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise with_messages(error, [f"[ERROR] {name} is not valid JSON: {exc.msg}"]) from exc
    return value
