"""Named locks that die with their process: one clock leader per database, one run of a job at a time.

    locks = for_engine(engine)
    held = locks.try_acquire("clock")      # None: another process has it
    held.alive()                           # still ours? (PostgreSQL: the connection still answers)
    held.release()

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of its
own. The server drops it the moment that session ends: a killed process's socket is closed by
its kernel at once; a host that vanishes is noticed through TCP keepalives, which the leader's
connection sets to about 25 s (10 s idle + 3 probes 5 s apart). The key is a hash of the
schema and the name, so schemas sharing one database (tests, staging) do not collide.

SQLite: an exclusive `flock` on a file next to the database (`billrec.db.locks/clock.lock`).
SQLite is one file on one host, so the host's kernel is the natural arbiter, and it releases
the lock the moment the holding process dies, like PostgreSQL does: no lease to expire, no
heartbeat to tune. (flock locks belong to an open file, so two lock objects in one process
exclude each other too.) An in-memory SQLite database gets plain in-process locks.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# libpq would wait the system default (often 2 h) before noticing a silent peer; on the lock's
# own session we ask the server to probe a quiet client after 10 s, every 5 s, 3 times.
KEEPALIVE = ("SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5", "SET tcp_keepalives_count = 3")


class Held(Protocol):
    name: str

    def alive(self) -> bool:
        """True while the lock is still ours."""

    def release(self) -> None:
        """Give the lock back (safe to call twice)."""


class Locks(Protocol):
    def try_acquire(self, name: str, *, keepalive: bool = False) -> Held | None:
        """The lock if it is free now, else None; never waits. `keepalive`: a long-held lock."""


def for_engine(engine: Engine) -> Locks:
    """Advisory locks on PostgreSQL, file locks next to a SQLite file, process locks otherwise."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLocks(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        return FileLocks(Path(database).with_name(Path(database).name + ".locks"))
    return ProcessLocks()


def lock_key(scope: str, name: str) -> int:
    """A signed 64-bit advisory-lock key for `name` within `scope` (the schema)."""
    return int.from_bytes(hashlib.sha256(f"billrec\x00{scope}\x00{name}".encode()).digest()[:8], "big", signed=True)


class AdvisoryHeld:
    def __init__(self, name: str, connection: Connection, key: int) -> None:
        self.name, self._connection, self._key = name, connection, key
        self._released = False

    def alive(self) -> bool:
        if self._released:
            return False
        try:
            self._connection.exec_driver_sql("select 1")
            return True
        except Exception as error:  # any failure of the session means the lock is gone with it
            log.error("lock %s: its database session failed (%s); the lock is lost", self.name, type(error).__name__)
            return False

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            self._connection.execute(text("select pg_advisory_unlock(:key)"), {"key": self._key})
            self._connection.close()
        except Exception:  # the session is gone, and the lock with it; make sure it is not pooled
            self._connection.invalidate()
            self._connection.close()


class AdvisoryLocks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def try_acquire(self, name: str, *, keepalive: bool = False) -> AdvisoryHeld | None:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            if keepalive:
                for statement in KEEPALIVE:
                    connection.exec_driver_sql(statement)
            key = lock_key(str(connection.scalar(text("select current_schema()"))), name)
            if connection.scalar(text("select pg_try_advisory_lock(:key)"), {"key": key}):
                return AdvisoryHeld(name, connection, key)
        except Exception:
            connection.invalidate()
            connection.close()
            raise
        connection.close()
        return None


class FileHeld:
    def __init__(self, name: str, fd: int) -> None:
        self.name, self._fd = name, fd

    def alive(self) -> bool:
        return self._fd >= 0

    def release(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            _unlock(fd)
            os.close(fd)


class FileLocks:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def try_acquire(self, name: str, *, keepalive: bool = False) -> FileHeld | None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a person looking
        return FileHeld(name, fd)


class ProcessHeld:
    def __init__(self, name: str, lock: threading.Lock) -> None:
        self.name, self._lock = name, lock
        self._held = True

    def alive(self) -> bool:
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()


class ProcessLocks:
    _registry: dict[str, threading.Lock] = {}
    _guard = threading.Lock()

    def try_acquire(self, name: str, *, keepalive: bool = False) -> ProcessHeld | None:
        with self._guard:
            lock = self._registry.setdefault(name, threading.Lock())
        return ProcessHeld(name, lock) if lock.acquire(blocking=False) else None


if os.name == "nt":  # pragma: no cover - development on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
