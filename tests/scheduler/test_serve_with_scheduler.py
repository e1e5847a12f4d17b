"""`billrec serve` runs the clock in its workers when asked (the default on SQLite): one leads."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx
import pytest
from sqlalchemy import select

from reconcile.schedule_tables import ClockLeader
from sandbox.slack_seed import BOT_TOKEN
from tests.slack.conftest import SECRET
from tests.slack.test_serve import BILLREC, environment, free_port


@pytest.mark.slow
def test_billrec_serve_runs_the_clock_in_process(tmp_path, database, config, services):
    port = free_port()
    env = environment(tmp_path, database, config, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                      SLACK_API_URL="http://127.0.0.1:9/api/")
    flag = [] if database.backend == "sqlite" else ["--with-scheduler"]  # SQLite: on by default
    server = subprocess.Popen([BILLREC, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                               "--threads", "2", *flag], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        leaders: list[ClockLeader] = []
        while not leaders:
            assert server.poll() is None and time.monotonic() < deadline, "no clock took the lead"
            time.sleep(0.2)
            with services.context.sessions() as session:
                leaders = list(session.scalars(select(ClockLeader)))
        assert len(leaders) == 1
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", trust_env=False).text == "ok"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert "and the clock (scheduled syncs, digest)" in output
