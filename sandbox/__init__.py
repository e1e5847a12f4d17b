"""Local stand-ins for the vendors: a seeded MSP world served over loopback HTTP.

    with sandbox.start(clients=60, seed=7) as server:
        settings = server.settings("ninjaone")       # base_url, client_id, client_secret
        server.faults.inject("ninjaone", "rate_limit", times=2)
        server.world.answer_key                      # what the product should report

Production code never imports this package; only `billrec demo`, `billrec sandbox` and the
tests do. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sandbox.catalog import demo_checks
from sandbox.changes import add_devices
from sandbox.model import Expected, World
from sandbox.server import SandboxServer
from sandbox.world import build_world

__all__ = ["Expected", "SandboxServer", "World", "add_devices", "build_world", "demo_checks", "describe",
           "serve_forever", "start"]


def start(clients: int = 60, seed: int = 7, port: int = 0, now: datetime | None = None) -> SandboxServer:
    """Build the world for `seed` and serve it on 127.0.0.1 (`port=0`: a free port); already running."""
    return SandboxServer(build_world(clients=clients, seed=seed, now=now), port=port).start()


def describe(server: SandboxServer) -> str:
    """Where each fake vendor answers and with which credentials (fake ones: printing them is fine)."""
    world = server.world
    lines = [f"Sandbox MSP world: seed {world.seed}, {len(world.clients)} clients, served at {server.url}", ""]
    for kind in server.vendors:
        lines.append(f"{kind}:")
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
