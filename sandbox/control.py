"""`/_sandbox`: switch faults on and off and read the request log over HTTP (for `billrec sandbox` users).

    GET    /_sandbox                 the vendors' base URLs and the waiting faults
    GET    /_sandbox/faults          the waiting faults
    POST   /_sandbox/faults          {"vendor": "pax8", "fault": "timeout", "times": 1, "path": null, "seconds": 0.5}
    DELETE /_sandbox/faults          all of them (or ?vendor=pax8)
    GET    /_sandbox/requests        [["pax8", "GET", "/v1/companies"], ...]
    DELETE /_sandbox/requests        forget them
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.routing import Incoming, Reply

if TYPE_CHECKING:
    from sandbox.server import SandboxServer

PREFIX = "/_sandbox"


def answer(server: SandboxServer, incoming: Incoming) -> Reply:
    path, method = incoming.path.rstrip("/"), incoming.method
    if path == PREFIX and method == "GET":
        return Reply(200, {"services": {name: server.base_url(name) for name in server.vendors},
                           "faults": server.faults.waiting()})
    if path == PREFIX + "/faults":
        if method == "GET":
            return Reply(200, {"faults": server.faults.waiting()})
        if method == "DELETE":
            server.faults.clear(incoming.arg("vendor"))
            return Reply(200, {"faults": server.faults.waiting()})
        if method == "POST":
            return _inject(server, incoming)
    if path == PREFIX + "/requests":
        if method == "GET":
            return Reply(200, {"requests": [list(entry) for entry in server.requests]})
        if method == "DELETE":
            server.requests.clear()
            return Reply(200, {"requests": []})
    return Reply(404 if method in ("GET", "POST", "DELETE") else 405,
                 {"error": f"{method} {path} is not a sandbox control"})


def _inject(server: SandboxServer, incoming: Incoming) -> Reply:
    try:
        spec: dict[str, Any] = json.loads(incoming.body or b"{}")
        server.faults.inject(spec["vendor"], spec["fault"], int(spec.get("times", 1)),
                             path=spec.get("path"), seconds=spec.get("seconds"))
    except (ValueError, KeyError, TypeError) as error:
        return Reply(400, {"error": f"cannot inject that fault: {error}"})
    return Reply(201, {"faults": server.faults.waiting()})
