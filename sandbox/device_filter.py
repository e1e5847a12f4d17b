"""NinjaOne's device filter (`df`), the clauses a billing tool might send.

    org = 12                          devices of one organisation
    org in (12, 14) AND class = MAC   clauses joined by AND
    class not in (ANDROID, APPLE_IOS)
    status = PENDING                  approval status
    offline                           (or `online`) alone

Fields: `org`, `loc`, `id`, `class`, `status`, `role`. Anything else is refused, which the fake
answers with NinjaOne's 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Device = dict[str, Any]
FIELDS = {"org": "organizationId", "loc": "locationId", "id": "id", "class": "nodeClass",
          "status": "approvalStatus", "role": "nodeRoleId"}
CLAUSE = re.compile(r"^(?P<field>\w+)\s*(?P<op>=|!=|not\s+in|in)\s*(?P<value>.+)$", re.IGNORECASE)


class FilterError(ValueError):
    """A device filter NinjaOne would refuse."""


def device_filter(text: str) -> Callable[[Device], bool]:
    tests = [_clause(part.strip()) for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE) if part.strip()]
    return lambda device: all(test(device) for test in tests)


def _clause(text: str) -> Callable[[Device], bool]:
    if text.lower() in ("online", "offline"):
        wanted = text.lower() == "offline"
        return lambda device: bool(device.get("offline")) == wanted
    found = CLAUSE.match(text)
    if not found or found["field"].lower() not in FIELDS:
        raise FilterError(f"Invalid device filter clause: {text!r}")
    key, op = FIELDS[found["field"].lower()], " ".join(found["op"].lower().split())
    raw = found["value"].strip()
    if op in ("in", "not in"):
        if not (raw.startswith("(") and raw.endswith(")")):
            raise FilterError(f"Invalid device filter list: {raw!r}")
        values = {v.strip().upper() for v in raw[1:-1].split(",") if v.strip()}
    else:
        values = {raw.upper()}
    negate = op in ("!=", "not in")
    return lambda device: (str(device.get(key, "")).upper() in values) != negate
