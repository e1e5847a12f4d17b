"""Benchmark: each vendor's full sync against its fake, measured against the vendor's rate-limit bound.

    python bench/sync.py [--kinds ninjaone,pax8] [--clients 2000] [--devices 100000]
                         [--pace documented|none] [--memory 500,2000]

For every kind in `connectors.REGISTRY` that the sandbox serves (or those named), a world of
`--clients` clients whose fleets are grown to about `--devices` devices is served by the
sandbox in a child process (so the parent's memory is the connector's alone), with the fake's
own rate limit lifted. The parent runs the connector's whole `sync()`, counting records
without keeping them, and prints requests, records, wall time and the least time the vendor's
documented limit (`Connector.rate_limit`) allows for that many requests: measured ÷ bound,
where ≤ 1.1 is the aim. `--pace documented` (the default) paces as production does; `--pace
none` shows the connector's own cost. A vendor that publishes no limit is measured against
the default pace (`HttpPolicy.requests_per_second`) and says so.

`--memory` repeats each sync unpaced under tracemalloc at each client count and prints the
peak: flat as the world grows is the aim, since records stream page by page.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors import REGISTRY  # noqa: E402
from connectors.http import DEFAULT_POLICY, HttpPolicy  # noqa: E402
from connectors.records import Account, Asset, Quantity  # noqa: E402
from connectors.ratelimit import RateLimit  # noqa: E402

SEED = 7
UNLIMITED = (1e9, 10**9)


@dataclass(frozen=True)
class Measured:
    kind: str
    seconds: float
    requests: int
    records: Counter
    peak_bytes: int = 0


def serve(clients: int, devices: int, connection) -> None:  # noqa: ANN001 - a multiprocessing Connection
    """The child: build and grow the world, serve it, hand over the settings, count what was asked."""
    import sandbox
    from sandbox.server import SandboxServer
    from sandbox.truth.build import build_world
    from sandbox.truth.changes import grow_fleets

    world = build_world(clients=clients, seed=SEED)
    have = sum(len(c.devices) for c in world.clients)
    if devices > have:
        each, extra = divmod(devices - have, len(world.clients))
        world = grow_fleets(world, {c.canonical: each + (i < extra) for i, c in enumerate(world.clients)})
    server = SandboxServer(world).start()
    for kind in server.vendors:
        server.set_rate_limit(kind, *UNLIMITED)
    connection.send(({kind: server.settings(kind) for kind in sandbox.VENDORS},
                     sum(len(c.devices) for c in world.clients)))
    while (kind := connection.recv()) is not None:
        connection.send(len(server.requests.of(kind)))
        server.requests.clear()
    server.stop()


@contextmanager
def sandbox_of(clients: int, devices: int) -> Iterator[tuple[dict[str, dict[str, str]], int, object]]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=serve, args=(clients, devices, child), daemon=True)
    process.start()
    settings, fleet = parent.recv()
    try:
        yield settings, fleet, parent
    finally:
        parent.send(None)
        process.join(timeout=10)


def sync_once(kind: str, settings: dict[str, str], policy: HttpPolicy, connection, trace: bool = False) -> Measured:
    connector = REGISTRY[kind](settings, policy=policy)
    records: Counter = Counter()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    for record in connector.sync():
        records[type(record).__name__] += 1
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    connection.send(kind)
    return Measured(kind, seconds, connection.recv(), records, peak)


def bound(kind: str, requests: int) -> tuple[float, str]:
    limit = REGISTRY[kind].rate_limit
    if limit is None:
        default = RateLimit(DEFAULT_POLICY.burst, DEFAULT_POLICY.burst / DEFAULT_POLICY.requests_per_second)
        return default.lower_bound(requests), "default pace (no published limit)"
    return limit.lower_bound(requests), f"{limit.requests}/{limit.per_seconds:g} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: every served kind)")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--pace", choices=("documented", "none"), default="documented")
    parser.add_argument("--memory", default="", help="client counts for the memory pass, e.g. 500,2000")
    args = parser.parse_args()
    paced = HttpPolicy(vendor_limits=True) if args.pace == "documented" else HttpPolicy(requests_per_second=0)
    with sandbox_of(args.clients, args.devices) as (settings, fleet, connection):
        kinds = [k for k in (args.kinds.split(",") if args.kinds else REGISTRY) if k in settings]
        print(f"world: {args.clients} clients, {fleet} devices; pace: {args.pace}")
        print(f"{'kind':<14}{'requests':>9}{'accounts':>10}{'quantities':>11}{'assets':>9}{'wall s':>9}"
              f"{'bound s':>9}{'÷ bound':>9}  limit")
        for kind in kinds:
            measured = sync_once(kind, settings[kind], paced, connection)
            least, limit = bound(kind, measured.requests)
            ratio = f"{measured.seconds / least:.2f}" if least > 0 and args.pace == "documented" else "-"
            print(f"{kind:<14}{measured.requests:>9}{measured.records[Account.__name__]:>10}"
                  f"{measured.records[Quantity.__name__]:>11}{measured.records[Asset.__name__]:>9}"
                  f"{measured.seconds:>9.2f}{least:>9.1f}{ratio:>9}  {limit}")
    for clients in [int(n) for n in args.memory.split(",") if n]:
        devices = args.devices * clients // args.clients
        with sandbox_of(clients, devices) as (settings, fleet, connection):
            kinds = [k for k in (args.kinds.split(",") if args.kinds else REGISTRY) if k in settings]
            for kind in kinds:
                measured = sync_once(kind, settings[kind], HttpPolicy(requests_per_second=0), connection, trace=True)
                print(f"memory {kind:<14} {clients:>5} clients {fleet:>7} devices: peak {measured.peak_bytes / 2**20:.1f} MiB"
                      f" over {measured.requests} requests")


if __name__ == "__main__":
    main()
