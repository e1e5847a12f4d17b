"""A failed sync on the command line: said once, on one line, without the vendor's records."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.e2e.conftest import ENOUGH, connect


def test_a_failed_sync_is_printed_once_without_a_log_line_or_records(billrec, world, cli_env):
    connect(billrec, world, "pax8")
    billrec("sync", "pax8")
    world.faults.inject("pax8", "bad_json", times=-1)
    result = subprocess.run([sys.executable, "-m", "bot.cli", "sync", "pax8"], env={**os.environ, **cli_env},
                            stdin=subprocess.DEVNULL, text=True, capture_output=True, timeout=ENOUGH)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pax8: failed: Pax8: GET /pax8/v1/companies answered 200: is not JSON: ")
    assert lines[0].endswith("— the last good data is kept")
    assert "WARNING" not in result.stderr
    assert world.world.clients and not [c.canonical for c in world.world.clients if c.canonical in result.stderr]
