"""Benchmark: reconcile + snapshot + CSV export for a large synthetic tenant, optionally beside pandas.

    python bench/reconcile.py [--scale K] [--database-url URL] [--reference] [--rounds N]

The tenant is built through the services a real sync uses (`bench/tenant.py`: connect, sync, found
clients from the PSA, approve links, add checks) in a child process, so this process's peak RSS is
the timed phases' alone. Each round times `Reconciler.run`, `Snapshots.take` and the CSV export
(to a file). `--reference` also runs an independent pandas implementation (`bench/reference.py`, the
`[bench]` extra) on the same database, checks that it agrees with the product on every row, and
interleaves the two: product, pandas, product, pandas… Figures are the median and the minimum over
the rounds, and the ratio of the medians (product ÷ pandas; below 1 the product is faster).

The temporary home (and the SQLite file in it) is removed at the end; on PostgreSQL the tenant lives
in a schema of its own in the given database, dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import tenant  # noqa: E402
from reconcile import bootstrap, csvexport, db  # noqa: E402
from reconcile.config import Config  # noqa: E402


@contextmanager
def database(url: str, home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """(url, connect args) of an empty database: a SQLite file in `home`, or a fresh PostgreSQL schema."""
    if not url:
        yield f"sqlite:///{home / 'bench.db'}", {}
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, {"options": f"-csearch_path={schema}"}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def services_for(url: str, connect_args: dict[str, str], home: Path, key: str) -> bootstrap.Services:
    engine: Engine = db.make_engine(url, connect_args=connect_args) if connect_args else db.make_engine(url)
    return bootstrap.build(Config(home=home, database_url=url, encryption_keys=(key,)),
                           registry=tenant.registry(), engine=engine)


def load(url: str, connect_args: dict[str, str], home: str, key: str, scale: float) -> None:
    """The child process: build the tenant through the services, then exit (its memory goes with it)."""
    services = services_for(url, connect_args, Path(home), key)
    try:
        tenant.build(services, scale)
    finally:
        services.close()


def product_round(services: bootstrap.Services, home: Path) -> dict[str, float]:
    """One reconcile, snapshot and CSV export, as `billrec snapshot` and `billrec export` do them."""
    started = time.perf_counter()
    report = services.reconciler.run(tenant.TENANT)
    reconciled = time.perf_counter()
    services.snapshots.take(tenant.TENANT, tenant.ACTOR, report=report)
    snapshotted = time.perf_counter()
    with open(home / "report.csv", "w", newline="", encoding="utf-8") as handle:
        csvexport.write(report.results, handle)
    written = time.perf_counter()
    return {"reconcile": reconciled - started, "snapshot": snapshotted - reconciled, "csv": written - snapshotted,
            "total": written - started, "results": len(report.results)}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def figures(label: str, values: list[float]) -> str:
    return f"{label} median {statistics.median(values):6.3f} s  min {min(values):6.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1,
                        help="K × (5,000 clients, 250,000 devices); default 1 (0.1 for a quick look)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL database; default: a temporary SQLite file")
    parser.add_argument("--reference", action="store_true", help="also run the pandas reference, interleaved")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.scale <= 0 or args.rounds < 1:
        parser.error("--scale must be more than 0 and --rounds at least 1")
    key = Fernet.generate_key().decode()
    with tempfile.TemporaryDirectory(prefix="billrec-bench-") as folder, database(args.database_url, Path(folder)) as (
            url, connect_args):
        home = Path(folder)
        started = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(target=load, args=(url, connect_args, folder, key,
                                                                                  args.scale))
        child.start()
        child.join()
        if child.exitcode != 0:
            sys.exit(f"building the tenant failed (exit {child.exitcode})")
        services = services_for(url, connect_args, home, key)
        backend = services.engine.dialect.name
        clients = tenant.clients_at(args.scale)
        print(f"{backend}, scale {args.scale:g}: {clients} clients, {clients * tenant.DEVICES_PER_CLIENT} devices, "
              f"{tenant.CHECKS} checks, "
              f"built through the services in {time.perf_counter() - started:.1f} s (not timed)")
        reference: Callable[[], object] | None = None
        rounds: dict[str, list[float]] = {"reconcile": [], "snapshot": [], "csv": [], "total": [], "pandas": []}
        rss_product = 0.0
        for n in range(args.rounds):
            measured = product_round(services, home)
            if n == 0:
                rss_product = peak_rss_mib()  # before pandas is even imported
                print(f"  {measured['results']:.0f} results")
            for phase in ("reconcile", "snapshot", "csv", "total"):
                rounds[phase].append(measured[phase])
            line = (f"  round {n + 1}: reconcile {measured['reconcile']:.3f} s, snapshot {measured['snapshot']:.3f} s, "
                    f"csv {measured['csv']:.3f} s")
            if args.reference:
                from bench import reference as pandas_reference  # the [bench] extra: pandas

                if reference is None:
                    agreed = pandas_reference.compare(services.reconciler.run(tenant.TENANT).results,
                                                      pandas_reference.reconcile(services.engine, tenant.TENANT))
                    print(f"  pandas agrees with the product on all {agreed} rows")
                    reference = lambda: pandas_reference.reconcile(services.engine, tenant.TENANT)  # noqa: E731
                took = time.perf_counter()
                reference()
                rounds["pandas"].append(time.perf_counter() - took)
                line += f"; pandas {rounds['pandas'][-1]:.3f} s"
            print(line)
        print(f"over {args.rounds} rounds:")
        for phase in ("reconcile", "snapshot", "csv", "total"):
            print("  " + figures(f"{phase:<10}", rounds[phase]))
        if rounds["pandas"]:
            print("  " + figures(f"{'pandas':<10}", rounds["pandas"]))
            ratio = statistics.median(rounds["reconcile"]) / statistics.median(rounds["pandas"])
            print(f"  reconcile ÷ pandas (medians) {ratio:.2f}")
        print(f"  process peak RSS {rss_product:.0f} MiB after the first product round"
              + (f", {peak_rss_mib():.0f} MiB with pandas" if rounds["pandas"] else ""))
        services.close()


if __name__ == "__main__":
    main()
