"""Benchmark: reconcile + snapshot + CSV export for a large synthetic tenant.

    python bench/reconcile.py [--clients 5000] [--assets 250000] [--checks 20] [--database-url URL]

Loads (not timed) a tenant with one PSA, one RMM and one distributor integration, `clients`
clients each linked in all three, `assets` RMM devices spread over them, and `checks` checks;
then times, separately and together, `reconciler.run`, `snapshots.take` and the CSV export, and
prints wall time and peak memory (tracemalloc peak of the timed phase, and the process's peak RSS).
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reconcile import bootstrap, csvexport  # noqa: E402
from reconcile.audit import Actor  # noqa: E402
from reconcile.config import Config  # noqa: E402
from reconcile.tables import (  # noqa: E402
    AccountRow, AssetRow, CheckRow, Client, Integration, Link, QuantityRow, SyncRun, Tenant,
)

TENANT = "bench"
BATCH = 10_000
CLASSES = ("workstation", "workstation", "workstation", "server", "mobile", "network")


def load(services: bootstrap.Services, clients: int, assets: int, checks: int) -> None:
    rng = random.Random(42)
    now = datetime.now(UTC)
    sessions = services.context.sessions
    with sessions.begin() as session:
        session.add(Tenant(id=TENANT, name="Bench MSP", settings={}))
        session.flush()
        integrations = {}
        for kind in ("connectwise", "ninjaone", "pax8"):
            integration = Integration(tenant_id=TENANT, kind=kind, name=kind, status="connected",
                                      credentials=services.context.vault.seal({"k": "v"}), public_settings={},
                                      last_success_at=now, last_attempt_at=now)
            session.add(integration)
            session.flush()
            run = SyncRun(tenant_id=TENANT, integration_id=integration.id, status="succeeded", started_at=now,
                          finished_at=now)
            session.add(run)
            session.flush()
            integration.current_run_id = run.id
            integrations[kind] = (integration.id, run.id)
    rows: dict[type, list[dict]] = {AccountRow: [], QuantityRow: [], AssetRow: [], Client: [], Link: []}

    def flush(force: bool = False) -> None:
        if force or sum(len(v) for v in rows.values()) >= BATCH:
            with sessions.begin() as session:
                for table, batch in rows.items():
                    if batch:
                        session.execute(insert(table), batch)
                        batch.clear()

    per_client = assets // clients
    for c in range(1, clients + 1):
        name = f"Client {c:05d} Ltd"
        rows[Client].append({"id": c, "tenant_id": TENANT, "name": name, "created_at": now})
        for kind, (integration_id, run_id) in integrations.items():
            account = f"{kind[:2]}-{c}"
            rows[AccountRow].append({"tenant_id": TENANT, "integration_id": integration_id, "sync_run_id": run_id,
                                     "external_id": account, "name": name})
            rows[Link].append({"tenant_id": TENANT, "integration_id": integration_id, "account_id": account,
                               "account_name": name, "client_id": c, "status": "approved", "score": 1.0,
                               "reason": "bench", "created_at": now})
        psa_id, psa_run = integrations["connectwise"]
        for p in range(10):
            rows[QuantityRow].append({"tenant_id": TENANT, "integration_id": psa_id, "sync_run_id": psa_run,
                                      "account_id": f"co-{c}", "metric": f"billed:P{p:02d}",
                                      "value": Decimal(rng.randint(0, 40)), "unit_price": Decimal("45.00"), "label": ""})
        pax_id, pax_run = integrations["pax8"]
        for p in range(10):
            rows[QuantityRow].append({"tenant_id": TENANT, "integration_id": pax_id, "sync_run_id": pax_run,
                                      "account_id": f"pa-{c}", "metric": f"licenses:L{p:02d}",
                                      "value": Decimal(rng.randint(0, 40)), "unit_price": Decimal("22.00"), "label": ""})
        rmm_id, rmm_run = integrations["ninjaone"]
        counts: dict[str, int] = {}
        for d in range(per_client):
            cls = CLASSES[rng.randrange(len(CLASSES))]
            counts[cls] = counts.get(cls, 0) + 1
            rows[AssetRow].append({"tenant_id": TENANT, "integration_id": rmm_id, "sync_run_id": rmm_run,
                                   "account_id": f"ni-{c}", "metric": f"devices:{cls}", "external_id": f"{c}-{d}",
                                   "name": f"PC-{c}-{d}", "last_seen": now - timedelta(days=rng.randint(0, 90))})
        for cls, n in counts.items():
            rows[QuantityRow].append({"tenant_id": TENANT, "integration_id": rmm_id, "sync_run_id": rmm_run,
                                      "account_id": f"ni-{c}", "metric": f"devices:{cls}", "value": Decimal(n),
                                      "unit_price": None, "label": ""})
        flush()
    flush(force=True)
    with sessions.begin() as session:
        for k in range(checks):
            psa_id, rmm_id, pax_id = (integrations[k][0] for k in ("connectwise", "ninjaone", "pax8"))
            if k % 2 == 0:
                billed, billed_metrics = psa_id, [f"billed:P{k // 2:02d}"]
                usage, usage_metrics = rmm_id, ["devices:workstation"] if k % 4 == 0 else ["devices:workstation", "devices:server"]
                seen = 30 if k % 4 == 0 else None
            else:
                billed, billed_metrics = psa_id, [f"billed:P{k // 2:02d}"]
                usage, usage_metrics, seen = pax_id, [f"licenses:L{k // 2:02d}"], None
            session.add(CheckRow(tenant_id=TENANT, name=f"Check {k:02d}", billed_integration_id=billed,
                                 billed_metrics=billed_metrics, usage_integration_id=usage, usage_metrics=usage_metrics,
                                 seen_within_days=seen, created_at=now))


def timed(label: str, function, trace: bool):
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    value = function()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    extra = f"   peak {peak / 2**20:6.1f} MiB traced" if trace else ""
    print(f"  {label:<12} {seconds:6.2f} s{extra}")
    return value, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--assets", type=int, default=250_000)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--trace-memory", action="store_true",
                        help="also trace Python allocations per phase (slows every phase 2-3x)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="billrec-bench-"))
    services = bootstrap.build(Config(home=home, database_url=args.database_url,
                                      encryption_keys=(Fernet.generate_key().decode(),)))
    backend = services.engine.dialect.name
    started = time.perf_counter()
    load(services, args.clients, args.assets, args.checks)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{backend}: loaded {args.clients} clients, {args.assets} assets, {args.checks} checks "
          f"in {time.perf_counter() - started:.1f} s (not timed below; peak RSS after loading {rss_loaded:.0f} MiB)")
    actor = Actor("bench", "cli")
    report, t1 = timed("reconcile", lambda: services.reconciler.run(TENANT), args.trace_memory)
    _, t2 = timed("snapshot", lambda: services.snapshots.take(TENANT, actor, report=report), args.trace_memory)
    buffer = io.StringIO()
    _, t3 = timed("csv export", lambda: csvexport.write(report.results, buffer), args.trace_memory)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'total':<12} {t1 + t2 + t3:6.2f} s   process peak RSS {rss:.0f} MiB")
    summary = report.summary
    print(f"  {len(report.results)} results ({summary.total} counted), CSV {len(buffer.getvalue()) / 2**20:.1f} MiB")
    services.close()


if __name__ == "__main__":
    main()
