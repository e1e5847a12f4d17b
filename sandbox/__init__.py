"""Local stand-ins for the vendors: a seeded, vendor-neutral MSP (`truth/`) served over loopback HTTP
by one fake per vendor (`vendors/`), each a view of that truth in its own API's shapes.

    with sandbox.start(clients=60, seed=7) as server:
        settings = server.settings("ninjaone")       # base_url, client_id, client_secret
        server.faults.inject("ninjaone", "rate_limit", times=2)
        server.world.answer_key                      # what the product should report (planted checks)
        sandbox.answer_key(server.world, specs)      # … or for any checks stated in the truth's words

Production code never imports this package; only `billrec demo`, `billrec sandbox` and the
tests do. Nothing here reaches beyond 127.0.0.1. See docs/sandbox.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sandbox.choice import choose, demo_checks, kinds_for
from sandbox.server import SandboxServer
from sandbox.truth import Expected, Role, World, answer_key, build_world
from sandbox.truth.changes import add_devices
from sandbox.vendor import FakeVendor
from sandbox.vendors import VENDORS

__all__ = ["VENDORS", "Expected", "FakeVendor", "Role", "SandboxServer", "World", "add_devices", "answer_key",
           "build_world", "choose", "demo_checks", "describe", "kinds_for", "serve_forever", "start"]


def start(clients: int = 60, seed: int = 7, port: int = 0, now: datetime | None = None) -> SandboxServer:
    """Build the world for `seed` and serve every fake vendor on 127.0.0.1 (`port=0`: a free port); already running."""
    return SandboxServer(build_world(clients=clients, seed=seed, now=now), port=port).start()


def describe(server: SandboxServer) -> str:
    """Where each fake vendor answers and with which credentials (fake ones: printing them is fine)."""
    world = server.world
    lines = [f"Sandbox MSP world: seed {world.seed}, {len(world.clients)} clients, served at {server.url}", ""]
    for kind, vendor in server.vendors.items():
        lines.append(f"{kind} ({', '.join(role.value for role in vendor.roles)}):")
        lines += [f"  {name:<14}{value}" for name, value in server.settings(kind).items()]
    example = '{"vendor": "ninjaone", "fault": "rate_limit", "times": 2}'
    lines += ["", f"Faults:   POST {server.url}/_sandbox/faults  {example}",
              f"          DELETE {server.url}/_sandbox/faults",
              f"Requests: GET {server.url}/_sandbox/requests"]
    return "\n".join(lines)


def serve_forever(clients: int = 60, seed: int = 7, port: int = 0, *,
                  announce: Callable[[str], None] = print) -> None:
    """Serve until Ctrl-C, announcing the addresses and credentials first (for `billrec sandbox`)."""
    with start(clients=clients, seed=seed, port=port) as server:
        announce(describe(server))
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            announce("Stopped.")
