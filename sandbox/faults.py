"""Faults switched on per vendor, in process or over HTTP, each for a number of requests.

    server.faults.inject("ninjaone", "rate_limit", times=2)
    server.faults.inject("connectwise", "server_error", path="/v4_6_release/apis/3.0/finance")
    POST /_sandbox/faults {"vendor": "pax8", "fault": "timeout", "times": 1, "seconds": 0.5}

| fault         | the answer                                                                   |
|---------------|------------------------------------------------------------------------------|
| rate_limit    | 429 in the vendor's shape; `Retry-After: <seconds>` (default 1) where the    |
|               | vendor sends one (ConnectWise, NinjaOne; not Pax8)                           |
| server_error  | 500 in the vendor's shape                                                    |
| timeout       | the normal answer, after `seconds` (default 31, past a 30 s client timeout)  |
| bad_json      | 200 with the JSON cut in half                                                |
| auth          | 401 as the vendor refuses credentials                                        |
| drop_pages    | a list served as if it held only its first fifth (at least one record): the  |
|               | later pages come back empty, so a sync sees a sharp drop                      |
| wrong_shape   | 200 JSON with the payload moved under `"unexpected"`: no list, no fields     |

Which requests a fault meets: every fault meets data requests (the authenticated GETs);
`drop_pages` only meets list requests; the token endpoints (NinjaOne, Pax8) meet only `auth`,
which refuses the token itself (`invalid_client` / `access_denied`), so `auth` with `times=1`
fails the next request of either kind. ConnectWise's login discovery meets no fault.
A fault is consumed by each request it changes; `times=-1` lasts until cleared. When several
faults wait for the same request, the first injected wins.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

FAULTS = ("rate_limit", "server_error", "timeout", "bad_json", "auth", "drop_pages", "wrong_shape")
TIMEOUT_SECONDS = 31.0
RETRY_AFTER_SECONDS = 1.0
KEEP_FRACTION = 0.2  # drop_pages keeps this share of a list


@dataclass
class Fault:
    vendor: str
    fault: str
    times: int  # requests left to affect; -1 until cleared
    path: str | None = None  # only requests whose path (under the vendor's prefix) starts with this
    seconds: float | None = None  # Retry-After for rate_limit, the delay for timeout

    def meets(self, vendor: str, path: str, *, token: bool, listing: bool) -> bool:
        if vendor != self.vendor or (self.path and not path.startswith(self.path)):
            return False
        if token:
            return self.fault == "auth"
        return self.fault != "drop_pages" or listing


class Faults:
    """The faults waiting for requests, thread-safe."""

    def __init__(self, vendors: Collection[str]) -> None:
        self.vendors = tuple(vendors)
        self._waiting: list[Fault] = []
        self._lock = threading.Lock()

    def inject(self, vendor: str, fault: str, times: int = 1, *, path: str | None = None,
               seconds: float | None = None) -> None:
        """Make the next `times` requests to `vendor` meet `fault` (-1: until `clear`)."""
        if vendor not in self.vendors:
            raise ValueError(f"no vendor {vendor!r}; the sandbox serves {', '.join(self.vendors)}")
        if fault not in FAULTS:
            raise ValueError(f"no fault {fault!r}; known faults: {', '.join(FAULTS)}")
        if times == 0 or times < -1:
            raise ValueError("times must be a positive number of requests, or -1 for until cleared")
        with self._lock:
            self._waiting.append(Fault(vendor, fault, times, path, seconds))

    def clear(self, vendor: str | None = None) -> None:
        with self._lock:
            self._waiting = [f for f in self._waiting if vendor is not None and f.vendor != vendor]

    def take(self, vendor: str, path: str, *, token: bool = False, listing: bool = False) -> Fault | None:
        """The fault this request meets, if any, counting it against the fault's `times`."""
        with self._lock:
            for fault in self._waiting:
                if fault.meets(vendor, path, token=token, listing=listing):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._waiting.remove(fault)
                    return Fault(fault.vendor, fault.fault, fault.times, fault.path, fault.seconds)
        return None

    def waiting(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._waiting]


def kept(records: list[Any]) -> list[Any]:
    """What `drop_pages` leaves of a list: its first fifth, at least one record."""
    return records[: max(1, int(len(records) * KEEP_FRACTION))] if records else records
