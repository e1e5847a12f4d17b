"""`billrec serve` runs the app under gunicorn (gthread) and answers Slack; a missing setting stops it at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandbox.slack_driver import SlackDriver
from sandbox.slack_seed import BOT_TOKEN
from tests.slack.conftest import SECRET

BILLREC = str(Path(sys.executable).with_name("billrec"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp_path, database, config, **slack):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BILLREC_", "DATABASE_URL"))}
    env.update(BILLREC_HOME=str(tmp_path / "home"), DATABASE_URL=database.url, NO_PROXY="127.0.0.1,localhost",
               BILLREC_ENCRYPTION_KEY=config.encryption_keys[0], **slack)
    return env


@pytest.mark.slow
def test_billrec_serve_answers_signed_commands_under_gunicorn(tmp_path, database, config, fake):
    port = free_port()
    env = environment(tmp_path, database, config, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                      SLACK_API_URL=fake.api_url)
    server = subprocess.Popen([BILLREC, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                               "--threads", "4"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", trust_env=False).text == "ok":
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "billrec serve did not come up"
            time.sleep(0.1)
        with SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, fake=fake) as driver:
            assert driver.command("status", sign="bad").status_code == 401
            assert driver.command("status").status_code == 200
            fake.wait_for(lambda f: f.hooks, timeout=20)
        assert "No integrations yet" in fake.hooks[0].body["text"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn's master and its worker, started by this test
        output = server.communicate(timeout=30)[0].decode()
    assert "Booting worker" in output


def test_billrec_serve_without_a_signing_secret_stops_with_one_line(tmp_path, database, config):
    env = environment(tmp_path, database, config, SLACK_BOT_TOKEN=BOT_TOKEN)
    done = subprocess.run([BILLREC, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30,
                          check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "billrec: SLACK_SIGNING_SECRET is not set: copy it from the app's Basic Information page"]
