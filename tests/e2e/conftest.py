"""The command line against the sandbox: a world served over HTTP, and `billrec` run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import sandbox
from bot.cli import cli


ENOUGH = 60.0  # seconds: a guard against hanging forever, never a measurement
# `billrec …` with Ctrl-C handled as at a terminal (Python's KeyboardInterrupt), even when the
# tests run where SIGINT is ignored (a shell starts background jobs so) and the child inherits it
AS_AT_A_TERMINAL = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
                    "from bot.cli import main; main()")


@pytest.fixture
def world():
    with sandbox.start(clients=20, seed=11) as server:
        yield server


@pytest.fixture
def billrec(cli_env):
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True, env_extra: dict[str, str] | None = None):
        result = runner.invoke(cli, list(args), env={**cli_env, **(env_extra or {})}, input=input, prog_name="billrec")
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        return result
    return run


def connect(billrec, world, *kinds: str) -> None:
    for kind in kinds:
        sets = [x for name, value in world.settings(kind).items() for x in ("--set", f"{name}={value}")]
        out = billrec("connect", kind, "--name", kind, *sets).stdout
        assert f"Connected {kind}" in out


def sync_stuck_at_the_vendor(world, env: dict[str, str], *, umask: int = 0o022) -> subprocess.Popen[str]:
    """`billrec sync pax8` in its own process, waiting on a vendor that does not answer (a timeout fault)."""
    world.faults.inject("pax8", "timeout", times=1)
    process = subprocess.Popen([sys.executable, "-c", AS_AT_A_TERMINAL, "sync", "pax8"], env={**os.environ, **env},
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               umask=umask)
    deadline = time.monotonic() + ENOUGH
    while world.faults.waiting():  # the fault is taken when the sync's first data request arrives
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sync never reached the vendor"
        time.sleep(0.05)
    return process
