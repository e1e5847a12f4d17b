"""The first run, as a new billing admin meets it (issue 9 item 13): read-only commands leave no trace,
an empty snapshot is refused, a digest run by hand says so, one exit-code scheme, a progress bar on a
terminal, a sandbox that stays quiet when a client hangs up, and link reasons that are never cut."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time

from click.testing import CliRunner
from sqlalchemy import text as sql

from bot.cli import cli
from tests.e2e.conftest import ENOUGH, connect

BILLREC = os.path.join(os.path.dirname(sys.executable), "billrec")


def test_kinds_and_help_create_no_key_and_no_database(tmp_path):
    home = tmp_path / "home"
    runner = CliRunner()
    for args in (["kinds"], ["--help"], ["links", "--help"], ["purge", "--help"], ["sync", "--help"]):
        result = runner.invoke(cli, args, env={"BILLREC_HOME": str(home)}, prog_name="billrec")
        assert result.exit_code == 0, result.output
        assert not home.exists(), f"billrec {' '.join(args)} created {sorted(p.name for p in home.iterdir())}"
    assert "ninjaone — NinjaOne (usage)" in runner.invoke(cli, ["kinds"], env={"BILLREC_HOME": str(home)}).stdout


def test_a_snapshot_with_nothing_connected_is_refused(billrec):
    refused = billrec("snapshot", ok=False)
    assert refused.exit_code == 1
    assert "nothing to snapshot: no results yet. Connect integrations (billrec connect)" in refused.stderr
    assert "#" not in billrec("snapshots").stdout.split("\n", 1)[-1]  # none was taken


def test_a_digest_run_by_hand_records_itself_as_manual(billrec, world, database):
    connect(billrec, world, "connectwise", "ninjaone")
    billrec("checks", "add", "Managed workstations", "--billed", "connectwise:billed:MW-01",
            "--usage", "ninjaone:devices:workstation", "--allow-unsynced")  # the digest is the first sync
    assert "snapshot taken" in billrec("digest").stdout
    [row] = [line.split() for line in billrec("snapshots").stdout.splitlines()[2:]]
    assert row[5] == "manual" and row[6].endswith("@cli")  # How, By: a person, not the schedule
    with database.engine.connect() as connection:
        triggers = set(connection.scalars(sql("SELECT trigger FROM sync_runs")))
    assert triggers == {"manual"}


def test_exit_codes_follow_one_scheme(billrec, tmp_path):
    usage = billrec("links", "approve", ok=False)  # a missing argument: click's usage error
    assert usage.exit_code == 2 and "Missing argument" in usage.stderr
    known = billrec("sync", "nowhere", ok=False)  # a failure the message explains
    assert known.exit_code == 1 and known.stderr.startswith("billrec: no integration named 'nowhere'")
    # the internal error (70) is driven in tests/e2e/test_file_modes.py, with its log file


def test_the_progress_bar_shows_on_a_terminal_during_a_slow_sync(billrec, world, cli_env):
    connect(billrec, world, "ninjaone")
    world.set_rate_limit("ninjaone", rate=4, burst=1)  # a slow vendor: each page waits for its turn
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    process = subprocess.Popen([BILLREC, "sync", "ninjaone"], env={**os.environ, **cli_env},
                               stdin=child, stdout=child, stderr=child)
    os.close(child)
    seen, deadline = b"", time.monotonic() + ENOUGH
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                seen += os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
        elif process.poll() is not None:
            break
    process.wait(timeout=ENOUGH)
    os.close(main)
    shown = seen.decode("utf-8", "replace")
    assert process.returncode == 0, shown
    counts = {int(n) for n in re.findall(r"ninjaone: (\d+) records", shown)}
    assert len(counts) >= 3, shown  # the bar moved while the sync ran, not only once at its end
    assert "ninjaone: synced" in shown


def test_no_progress_bar_when_stderr_is_not_a_terminal(billrec, world):
    connect(billrec, world, "ninjaone")
    result = billrec("sync", "ninjaone")
    assert " records" not in result.stderr


def test_the_sandbox_prints_no_traceback_when_a_client_hangs_up(tmp_path):
    process = subprocess.Popen([BILLREC, "sandbox", "--port", "0", "--clients", "20"],
                               env={**os.environ, "BILLREC_HOME": str(tmp_path / "home")},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r"served at http://127\.0\.0\.1:(\d+)", process.stdout.readline()).group(1))
        for request in (b"GET /ninjaone/v2/organizations HTTP/1.1\r\nHost: x\r\n",  # hung up mid-request
                        b"GET /ninjaone/v2/organizations HTTP/1.1\r\nHost: x\r\n\r\n"):  # before the answer
            with socket.create_connection(("127.0.0.1", port)) as hanging_up:
                hanging_up.sendall(request)
                hanging_up.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset
        with socket.create_connection(("127.0.0.1", port)) as alive:  # and it still serves
            alive.sendall(b"GET /_sandbox/faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert alive.recv(100).startswith(b"HTTP/1.")
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=ENOUGH)
    assert "Traceback" not in stderr and "Exception occurred" not in stderr, stderr


def test_links_list_wraps_a_long_reason_at_words_and_never_cuts_it(billrec, world, database):
    connect(billrec, world, "connectwise", "ninjaone", "pax8")
    billrec("sync", "--all")
    table = billrec("links", "list").stdout
    words = set(table.split())
    with database.engine.connect() as connection:
        reasons = set(connection.scalars(sql("SELECT reason FROM links")))
    assert any(len(r) > 60 for r in reasons)  # the ones that used to be cut
    for reason in reasons:
        assert set(reason.split()) <= words, reason  # every word whole, none cut at the column's edge
    assert max(len(line) for line in table.splitlines()) <= 200


def test_the_demos_closing_hint_runs_as_printed_in_a_fresh_shell(tmp_path):
    """No venv on PATH, as in a new terminal: the hint names the billrec it ran as."""
    fresh = {**os.environ, "PATH": "/usr/bin:/bin", "BILLREC_HOME": str(tmp_path / "home")}
    fresh.pop("VIRTUAL_ENV", None)
    demo = subprocess.run([BILLREC, "demo", "--clients", "20"], env=fresh, cwd=tmp_path, capture_output=True,
                          text=True, timeout=ENOUGH * 3)
    assert demo.returncode == 0, demo.stderr
    hint = demo.stdout.rstrip().splitlines()[-1].split("Try: ", 1)[1]
    assert not hint.split()[1].startswith("billrec")  # `billrec` alone would not be found here
    tried = subprocess.run(["/bin/sh", "-c", hint], env=fresh, cwd=tmp_path, capture_output=True, text=True,
                           timeout=ENOUGH)
    assert tried.returncode == 0, tried.stderr
    assert "UNDER-LICENSED" in tried.stdout
