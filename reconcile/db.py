"""The database: one engine per process, sessions, and Alembic migrations run from code.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout so the web process, the
clock process and the CLI can share one file, which only its owner may read (`reconcile.owner_only`);
PostgreSQL is used as it is.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker

from reconcile import owner_only

MIGRATIONS = Path(__file__).parent / "migrations"

# SQLite stores NUMERIC as REAL; SQLAlchemy says so once per process. Four decimal places
# survive that round trip, and Decimal is restored on the way out.
warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively", category=exc.SAWarning)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`, tuned for the backend."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        _owner_only_database(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _owner_only_database(url: str) -> None:
    """The database file made 0600 before SQLite opens it, so the WAL files it creates are 0600 too."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():  # else SQLite's own "unable to open database file" says it best
        owner_only.file(path)
        for suffix in ("-wal", "-shm"):
            owner_only.narrow(path.with_name(path.name + suffix), owner_only.FILE)


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with sessions() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


def pending_migrations(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() != head
