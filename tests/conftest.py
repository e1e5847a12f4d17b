"""Shared fixtures. Every database-backed test runs twice: on SQLite and on PostgreSQL.

PostgreSQL comes from `BILLREC_TEST_POSTGRES` (default: the local trust-auth server,
database `test`); each test gets its own schema, dropped afterwards. When the server is not
reachable the PostgreSQL half is skipped with a reason, unless `BILLREC_REQUIRE_POSTGRES=1`
(as `.ci/run` sets), which fails the run instead.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, text

from connectors.http import HttpPolicy
from reconcile import bootstrap, db
from reconcile.config import Config

POSTGRES_URL = os.environ.get("BILLREC_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("BILLREC_REQUIRE_POSTGRES") == "1"
# Quick retries without pacing. Retry-After is honoured (the sandbox's own rate limit asks for
# 1 s, and is waited out as in production); fault tests inject rate limits asking for 0 s.
FAST_POLICY = HttpPolicy(timeout=2.0, attempts=3, backoff_initial=0.01, backoff_max=0.05, max_wait=1.5,
                         requests_per_second=0)

_postgres_state: dict[str, str | None] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", dest="update_golden",
                     help="rewrite the golden files under tests/golden/ from what the code produces now")


def postgres_problem() -> str | None:
    """None when PostgreSQL answers; otherwise why not (checked once per run)."""
    if "problem" not in _postgres_state:
        try:
            engine = create_engine(POSTGRES_URL)
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
            _postgres_state["problem"] = None
        except Exception as error:  # any failure to connect means "not reachable"
            _postgres_state["problem"] = f"PostgreSQL at {POSTGRES_URL} is not reachable: {type(error).__name__}"
    return _postgres_state["problem"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "BILLREC_", "DATABASE_URL")) and name not in (
                "BILLREC_TEST_POSTGRES", "BILLREC_REQUIRE_POSTGRES"):
            monkeypatch.delenv(name, raising=False)
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@dataclass
class Database:
    backend: str
    url: str  # for a separate process (DATABASE_URL); on PostgreSQL it selects the test's schema
    engine: Engine


@contextlib.contextmanager
def open_database(backend: str, folder: Path) -> Iterator[Database]:
    """A fresh database on `backend`: a SQLite file in `folder`, or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'billrec.db'}"
        engine = db.make_engine(url)
        yield Database("sqlite", url, engine)
        engine.dispose()
        return
    problem = postgres_problem()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(problem + " (BILLREC_REQUIRE_POSTGRES=1)")
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = db.make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield Database("postgresql", url, engine)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with open_database(request.param, tmp_path) as opened:
        yield opened


class Clock:
    """A clock tests can move; starts at the real time so sandbox data is fresh."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(database: Database, tmp_path: Path) -> Config:
    return Config(home=tmp_path / "home", database_url=database.url,
                  encryption_keys=(Fernet.generate_key().decode(),), http_policy=FAST_POLICY)


@pytest.fixture
def cli_env(tmp_path: Path, database: Database) -> dict[str, str]:
    """What `billrec` reads, for this test's home and database (in-process or in a subprocess alike)."""
    return {"BILLREC_HOME": str(tmp_path / "home"), "DATABASE_URL": database.url,
            "BILLREC_ENCRYPTION_KEY": Fernet.generate_key().decode()}


@pytest.fixture
def services(config: Config, database: Database, clock: Clock) -> Iterator[bootstrap.Services]:
    built = bootstrap.build(config, engine=database.engine, clock=clock)
    built.tenants.ensure("local")
    yield built
