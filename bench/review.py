"""Benchmark: what the review loop costs a reconciliation, and how long one decision takes.

    python bench/review.py [--clients 5000] [--assets 250000] [--checks 20] [--decisions 200] [--database-url URL]

Loads (not timed) `bench/reconcile.py`'s synthetic tenant, then times, against a plain
`reconciler.run` in the same process as the reference:

    reconcile      no decisions (the reference)
    decided        the same after `decisions` not-billable assets and `decisions` billing fixes
    fix            one "Billing fixed" decision (what a modal submission does before it answers)
    settle         judging every waiting fix, as after each sync
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import String, cast, literal, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reconcile import bootstrap  # noqa: E402
from reconcile.audit import Actor  # noqa: E402
from reconcile.checks import Status  # noqa: E402
from reconcile.config import Config  # noqa: E402
from reconcile.tables import AssetRow, CheckRow, Client, Integration  # noqa: E402

ACTOR = Actor("bench", "cli")

# bench/reconcile.py's tenant (loaded by path: its module name is the package's)
_spec = importlib.util.spec_from_file_location("bench_reconcile", Path(__file__).with_name("reconcile.py"))
tenant = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tenant)
TENANT, load = tenant.TENANT, tenant.load


def seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--assets", type=int, default=250_000)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    args = parser.parse_args()
    services = bootstrap.build(Config(home=Path(tempfile.mkdtemp(prefix="billrec-bench-")),
                                      database_url=args.database_url,
                                      encryption_keys=(Fernet.generate_key().decode(),)))
    load(services, args.clients, args.assets, args.checks)
    with services.context.sessions.begin() as session:  # clients founded from the PSA, as a real tenant's are
        psa = session.scalar(select(Integration.id).where(Integration.tenant_id == TENANT,
                                                          Integration.kind == "connectwise"))
        session.execute(update(Client).where(Client.tenant_id == TENANT).values(
            origin_integration_id=psa, origin_account_id=literal("co-") + cast(Client.id, String)))
    print(f"{services.engine.dialect.name}: {args.clients} clients, {args.assets} assets, {args.checks} checks")
    reference = seconds(lambda: services.reconciler.run(TENANT))
    report = services.reconciler.run(TENANT)
    open_results = [r for r in report.results if r.status in (Status.UNDER, Status.OVER)]
    with services.context.sessions() as session:
        # Check 00: a PSA product against the RMM's workstations seen within 30 days
        device_check = session.scalar(select(CheckRow.id).where(CheckRow.tenant_id == TENANT,
                                                                CheckRow.name == "Check 00"))
        assets = session.execute(select(AssetRow.account_id, AssetRow.name).where(
            AssetRow.metric == "devices:workstation").limit(args.decisions)).all()
    clients = {f"ni-{c}": f"Client {c:05d} Ltd" for c in range(1, args.clients + 1)}
    for account, asset in assets:
        services.reviews.not_billable(TENANT, clients[account], device_check, "bench", ACTOR, asset=asset)
    day = report.generated_at.date() + timedelta(days=30)
    fixed = open_results[1:args.decisions]
    for r in fixed:
        services.reviews.fix(TENANT, r.client, r.check_id, day, ACTOR)
    decided = seconds(lambda: services.reconciler.run(TENANT))
    one = open_results[0]
    fix = seconds(lambda: services.reviews.fix(TENANT, one.client, one.check_id, day, ACTOR))
    settle = seconds(lambda: services.reviews.settle(TENANT))
    print(f"  {'reconcile':<10} {reference:6.2f} s   (reference)")
    for label, value in (("decided", decided), ("fix", fix), ("settle", settle)):
        print(f"  {label:<10} {value:6.2f} s   {value / reference:5.2f}× the reference")
    print(f"  ({len(assets)} assets not billable, {len(fixed) + 1} fixes pending)")
    services.close()


if __name__ == "__main__":
    main()
