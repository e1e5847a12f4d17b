"""The command line: mistakes get one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from tests import typed_numbers


@pytest.fixture
def billrec(cli_env):
    """`billrec …` in-process (fast); the subprocess test below proves the real entry point behaves the same."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), env=cli_env, prog_name="billrec")
    return run


@pytest.mark.parametrize(("args", "message"), [
    (("connect", "quickbooks", "--set", "x=1"), "unknown integration kind 'quickbooks'; choose one of:"),
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
    # numbers only the CLI takes; the ones both faces take are in tests/typed_numbers.py
    (("links", "approve", "9223372036854775808"), "link number must be between 1 and 9223372036854775807"),
    (("links", "choose", "١", "Acme"), "link number must be a whole number written with the digits 0-9"),
    (("links", "approve-above", "nan"), "approve-above score must be a number written with the digits 0-9"),
    (("links", "suggest", "--approve-above", "1e9"), "approve-above score must be a number written"),
    (("settings", "alert_threshold=١٠٠"), "alert_threshold cannot be"),
    (("serve", "--port", "٣٠٠٠"), "port must be a whole number written with the digits 0-9"),
    (("serve", "--threads", "0"), "threads must be between 1 and 256, not 0"),
    (("scheduler", "--poll", "nan"), "poll must be a number written with the digits 0-9 and a point"),
    (("scheduler", "--poll", "0"), "poll must be between 0.1 and 3600 seconds, not 0"),
    (("digest", "--in-flight", "inf"), "in-flight must be a number written"),
    (("demo", "--clients", "99999999999999999999"), "clients must be between 1 and 10000"),
    (("sandbox", "--port", "65536"), "port must be between 0 and 65535, not 65536"),
])
def test_a_mistake_is_one_line_and_exit_one(billrec, args, message):
    one_clear_line(billrec(*args), message)


@pytest.mark.parametrize(("kind", "typed", "message"), typed_numbers.CASES)
def test_a_number_typed_wrong_is_one_line_in_the_words_slack_uses(billrec, kind, typed, message):
    one_clear_line(billrec(*typed_numbers.cli_args(kind, typed)), message)


def one_clear_line(result: Result, message: str) -> None:
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
