"""The command line: mistakes get one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli


@pytest.fixture
def billrec(cli_env):
    """`billrec …` in-process (fast); the subprocess test below proves the real entry point behaves the same."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), env=cli_env, prog_name="billrec")
    return run


@pytest.mark.parametrize(("args", "message"), [
    (("connect", "quickbooks", "--set", "x=1"), "unknown integration kind 'quickbooks'; choose one of: connectwise"),
    (("connect", "ninjaone", "--set", "client_id"), "--set takes FIELD=VALUE"),
    (("connect", "ninjaone", "--set", "client_id=a"), "NinjaOne needs Client secret"),
    (("connect", "ninjaone", "--set", "client_id=a", "--set", "client_secret=b", "--set", "base_url=ftp://x"),
     "the API URL must start with https://"),
    (("sync", "ninja"), "no integration named 'ninja' (connected: none yet; add one with connect)"),
    (("export", "--period", "2026-13"), "period must look like 2026-10"),
    (("export",), "no snapshots yet; take one first"),
    (("history", "acme"), "no snapshots yet"),
    (("checks", "add", "x", "--billed", "cw:billed:MW-01", "--usage", "ninja:devices:workstation"), "no integration named 'cw'"),
    (("settings", "digest_day=40"), "digest day must be between 1 and 28"),
    (("links", "approve", "99"), "no link #99"),
])
def test_a_mistake_is_one_line_and_exit_one(billrec, args, message):
    result = billrec(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines()[-1].startswith("billrec: ")
    assert [line for line in result.stderr.splitlines() if line.startswith("billrec")] == [result.stderr.strip().splitlines()[-1]]


def test_a_secret_typed_on_the_command_line_is_not_echoed_in_the_error(cli_env):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "connect", "ninjaone", "--set", "client_id=abc", "--set",
         "client_secret=TopSecret-999", "--set", "base_url=http://127.0.0.1:9"],
        env={**os.environ, **cli_env}, text=True, capture_output=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "could not be reached" in result.stderr and "TopSecret-999" not in result.stderr + result.stdout
