"""BILLREC_HOME is its owner's alone: the home 0700; the database, its WAL files, the key and the log 0600."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.e2e.conftest import ENOUGH, sync_stuck_at_the_vendor

pytestmark = pytest.mark.slow

OWNER_ONLY = {"": 0o700, "billrec.db": 0o600, "billrec.db-wal": 0o600, "billrec.db-shm": 0o600, "secret.key": 0o600}


def modes(home) -> dict[str, int]:
    return {name: stat.S_IMODE((home / name).stat().st_mode) for name in OWNER_ONLY if (home / name).exists()}


def billrec(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, with the usual umask (022), which would leave new files readable by everyone."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env={**os.environ, **env}, text=True,
                          capture_output=True, timeout=ENOUGH, umask=0o022)


def test_a_fresh_home_and_everything_in_it_are_readable_only_by_their_owner(tmp_path, world):
    home = tmp_path / "fresh" / "home"
    env = {"BILLREC_HOME": str(home)}  # the embedded default: SQLite in the home, a generated key
    sets = [x for name, value in world.settings("pax8").items() for x in ("--set", f"{name}={value}")]
    connected = billrec(env, "connect", "pax8", "--name", "pax8", *sets)
    assert connected.returncode == 0, connected.stderr

    syncing = sync_stuck_at_the_vendor(world, env)  # a live process holds the database: its WAL files exist
    try:
        assert modes(home) == OWNER_ONLY
    finally:
        syncing.send_signal(signal.SIGKILL)  # and leaves them behind, as a crash would
        syncing.communicate(timeout=ENOUGH)
    assert {"billrec.db-wal", "billrec.db-shm"} <= set(modes(home))

    for name in OWNER_ONLY:  # widened, as an older billrec or a careless copy left them
        os.chmod(home / name, 0o755 if name == "" else 0o644)
    listed = billrec(env, "integrations")
    assert listed.returncode == 0, listed.stderr
    narrowed = [line for line in listed.stderr.splitlines() if "was open to other users" in line]
    assert sorted(line.split()[2] for line in narrowed) == sorted(str(home / name) for name in OWNER_ONLY)
    assert all(mode & 0o077 == 0 for mode in modes(home).values())


@pytest.fixture
def no_log_file_left_behind():
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logging.FileHandler)]:
        root.removeHandler(handler)
        handler.close()


def test_a_crash_is_logged_to_a_file_only_its_owner_can_read(tmp_path, monkeypatch, no_log_file_left_behind):
    from reconcile.integrations import Integrations

    def a_bug(*args, **kwargs):
        raise RuntimeError("a bug in listing integrations")

    monkeypatch.setattr(Integrations, "list", a_bug)
    home = tmp_path / "home"
    umask = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, ["integrations"], env={"BILLREC_HOME": str(home)}, prog_name="billrec")
    finally:
        os.umask(umask)
    log_file = home / "billrec.log"
    assert result.exit_code == 70  # distinct from click's usage errors (2)
    assert f"internal error (RuntimeError); details in {log_file}" in result.stderr
    assert "a bug in listing integrations" in log_file.read_text()
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_the_demo_makes_the_home_it_lives_under_owner_only_too(tmp_path):
    """`billrec demo` on a new machine keeps its tenant in BILLREC_HOME/demo; the home it makes on the way
    is 0700 from the start, so the next command has nothing to narrow or warn about."""
    home = tmp_path / "new-user" / ".billrec"
    demo = billrec({"BILLREC_HOME": str(home)}, "demo")
    assert demo.returncode == 0, demo.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "demo").stat().st_mode) == 0o700
    listed = billrec({"BILLREC_HOME": str(home)}, "integrations")
    assert "was open to other users" not in listed.stderr
