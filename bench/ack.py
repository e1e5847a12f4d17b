"""Benchmark: how fast /billrec commands are acked while a big reconcile runs.

    python bench/ack.py [--clients 3000] [--assets 150000] [--checks 20] [--rounds 5]
                        [--workers 2] [--threads 8] [--database-url URL]

Loads (not timed) the synthetic tenant of `bench/reconcile.py`, then runs the app the way
production does, `billrec serve` (gunicorn, gthread workers), against the fake Slack in this
process. It sends `rounds` bursts of 20 concurrent signed slash commands (status, help, checks,
settings, map in turn) with nothing else running, then a signed `/billrec reconcile` and, while
that reconcile is computing (until its summary reaches the fake Slack), more bursts. An ack is
one command's HTTP round trip, from sending the signed request to Bolt's answer; Slack allows
3 s. Prints p50, p99 and max for both phases.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reconcile import bootstrap  # noqa: E402
from reconcile.config import Config  # noqa: E402
from sandbox.slack import FakeSlack  # noqa: E402
from sandbox.slack_driver import SlackDriver  # noqa: E402
from sandbox.slack_seed import BOT_TOKEN, seed_workspace  # noqa: E402

SECRET = "bench-signing-secret"
CONCURRENT = 20
COMMANDS = ("status", "help", "checks", "settings", "map")
BILLREC = str(Path(sys.executable).with_name("billrec"))


def load_tenant():
    """`load` and `TENANT` from bench/reconcile.py (a file, not a package: its name shadows ours)."""
    spec = importlib.util.spec_from_file_location("bench_reconcile", ROOT / "bench" / "reconcile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load, module.TENANT


def burst(url: str, fake: FakeSlack, round_number: int) -> list[float]:
    """CONCURRENT commands released together, each on its own connection; their round trips in seconds."""
    drivers = [SlackDriver(url, SECRET, fake=fake) for _ in range(CONCURRENT)]
    barrier = threading.Barrier(CONCURRENT)

    def one(i: int) -> float:
        barrier.wait()
        response = drivers[i].command(COMMANDS[(i + round_number) % len(COMMANDS)])
        assert response.status_code == 200, response.status_code
        return drivers[i].last_elapsed or 0.0

    with ThreadPoolExecutor(CONCURRENT) as pool:
        elapsed = list(pool.map(one, range(CONCURRENT)))
    for driver in drivers:
        driver.close()
    return elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def figures(acks: list[float]) -> str:
    return (f"p50 {percentile(acks, 0.5) * 1000:.0f} ms, p99 {percentile(acks, 0.99) * 1000:.0f} ms, "
            f"max {max(acks) * 1000:.0f} ms, mean {statistics.mean(acks) * 1000:.0f} ms")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--assets", type=int, default=150_000)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="bursts of 20 commands per phase")
    parser.add_argument("--workers", type=int, default=2, help="billrec serve --workers")
    parser.add_argument("--threads", type=int, default=8, help="billrec serve --threads")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    args = parser.parse_args()
    # This process plays Slack: 20 client threads and the fake Web API share one GIL here, which
    # Slack's own clients do not; switching often keeps that from inflating the measured acks.
    sys.setswitchinterval(0.001)

    load, tenant = load_tenant()
    home = Path(tempfile.mkdtemp(prefix="billrec-bench-ack-"))
    key = Fernet.generate_key().decode()
    config = Config(home=home, database_url=args.database_url, encryption_keys=(key,))
    services = bootstrap.build(config)
    started = time.perf_counter()
    load(services, args.clients, args.assets, args.checks)
    print(f"{services.engine.dialect.name}: loaded {args.clients} clients, {args.assets} assets, {args.checks} checks "
          f"in {time.perf_counter() - started:.1f} s (not timed)")
    services.close()

    with FakeSlack(post_rate=None) as fake:
        seed_workspace(fake)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BILLREC_", "DATABASE_URL"))}
        env.update(BILLREC_HOME=str(home), DATABASE_URL=config.url, BILLREC_ENCRYPTION_KEY=key, BILLREC_TENANT=tenant,
                   SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url,
                   NO_PROXY="127.0.0.1,localhost")
        server = subprocess.Popen([BILLREC, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                                   str(args.workers), "--threads", str(args.threads)], env=env, cwd=home,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", trust_env=False).text == "ok":
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            url = f"http://127.0.0.1:{port}/slack/events"
            for round_number in range(2):  # warm-up: every worker's first auth.test, connections, imports
                burst(url, fake, round_number)
            time.sleep(1)
            idle: list[float] = []
            for round_number in range(args.rounds):
                idle += burst(url, fake, round_number)
                time.sleep(0.3)  # let the quick answers after each ack finish
            busy: list[float] = []
            posts_before = len(fake.calls_to("chat.postMessage"))
            with SlackDriver(url, SECRET, fake=fake) as driver:
                reconcile_started = time.perf_counter()
                assert driver.command("reconcile").status_code == 200
            for round_number in range(args.rounds):
                if len(fake.calls_to("chat.postMessage")) > posts_before:
                    break  # the reconcile has computed and started posting: stop measuring
                busy += burst(url, fake, round_number)
            fake.wait_for(lambda f: len(f.calls_to("chat.postMessage")) > posts_before, timeout=600)
            computing = time.perf_counter() - reconcile_started
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn's master and workers, started here
            server.wait(timeout=60)

    print(f"  billrec serve: {args.workers} gthread workers × {args.threads} threads")
    print(f"  idle:                 {len(idle)} commands, {CONCURRENT} at a time: {figures(idle)}")
    if busy:
        print(f"  during the reconcile: {len(busy)} commands, {CONCURRENT} at a time: {figures(busy)}")
    else:
        print("  the reconcile finished before any burst; raise --clients")
    print(f"  the reconcile took {computing:.2f} s from the command to its summary reaching Slack")


if __name__ == "__main__":
    main()
