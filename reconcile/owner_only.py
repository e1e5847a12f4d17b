"""BILLREC_HOME and what it holds are its owner's alone: the directory 0700; the database, its WAL
files, the key file and the log 0600.

Each is created with that mode from the start (an explicit mode on `mkdir` / `open`, which the
umask can only narrow; changing the umask itself would race with other threads creating files).
SQLite creates `-wal` and `-shm` with the database file's own mode, so a 0600 database gets 0600
WAL files. One found wider than that, made by an older billrec or by hand, is narrowed with a
one-line warning.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIRECTORY = 0o700
FILE = 0o600


def directory(path: Path) -> Path:
    """Make `path` (and any missing parents) if needed; the directory itself ends up 0700 or narrower.

    Missing parents are made 0700 too (`mkdir(parents=True)` would make them with the umask's mode:
    `~/.billrec` at 0755 when only `~/.billrec/demo` was asked for).
    """
    for missing in reversed([p for p in (path, *path.parents) if not p.exists()]):
        missing.mkdir(mode=DIRECTORY, exist_ok=True)
    if path.stat().st_mode & stat.S_ISVTX:  # /tmp and its like belong to everyone: never narrow them
        log.warning("%s is a shared directory; give billrec a directory of its own (BILLREC_HOME)", path)
    else:
        narrow(path, DIRECTORY)
    return path


def file(path: Path) -> Path:
    """Create `path` empty if it is missing; it ends up 0600 or narrower.

    An existing file is never opened: closing any descriptor of a SQLite database drops the
    locks every connection of this process holds on it (POSIX advisory locks are per process).
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE))
    except FileExistsError:
        narrow(path, FILE)
    return path


def narrow(path: Path, mode: int) -> None:
    """Take away whatever `path` grants beyond `mode`, saying so; a missing path is left alone."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & ~mode:
        try:
            os.chmod(path, current & mode)
        except PermissionError:  # someone else's file: say so, and go on as before
            log.warning("%s is open to other users (mode %o) and is not ours to narrow", path, current)
            return
        log.warning("%s was open to other users (mode %o); narrowed it to %o", path, current, current & mode)
