"""`billrec serve` runs the app under gunicorn (gthread) and answers Slack; a missing setting stops it at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.inbound import MAX_BODY_BYTES
from sandbox.slack_driver import SlackDriver
from sandbox.slack_seed import BOT_TOKEN
from tests.slack.conftest import SECRET
from tests.slack.wire import chunked, exchange, url_verification

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


@contextmanager
def billrec_serve(tmp_path, env) -> Iterator[tuple[str, list[str]]]:
    """`billrec serve` on a free port, up and answering /healthz; yields its URL and, once it
    has stopped, its output lines (in the list)."""
    port = free_port()
    server = subprocess.Popen([BILLREC, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                               "--threads", "4"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    output: list[str] = []
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
        yield f"http://127.0.0.1:{port}", output
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn's master and its worker, started by this test
        output.extend(server.communicate(timeout=30)[0].decode().splitlines())


def served_env(tmp_path, database, config, fake):
    return environment(tmp_path, database, config, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                       SLACK_API_URL=fake.api_url)


@pytest.mark.slow
def test_billrec_serve_answers_signed_commands_under_gunicorn(tmp_path, database, config, fake):
    with billrec_serve(tmp_path, served_env(tmp_path, database, config, fake)) as (url, output):
        with SlackDriver(f"{url}/slack/events", SECRET, fake=fake) as driver:
            assert driver.command("status", sign="bad").status_code == 401
            assert driver.command("status").status_code == 200
            fake.wait_for(lambda f: f.hooks, timeout=20)
        assert "No integrations yet" in fake.hooks[0].body["text"]
    assert any("Booting worker" in line for line in output)


@pytest.mark.slow
def test_billrec_serve_refuses_a_body_over_the_limit_before_reading_it(tmp_path, database, config, fake):
    with billrec_serve(tmp_path, served_env(tmp_path, database, config, fake)) as (url, _), \
            SlackDriver(f"{url}/slack/events", SECRET, fake=fake) as driver:
        events = f"{url}/slack/events"
        # headers only: a server that read the body first would wait for it and never answer
        assert exchange(events, {"Content-Length": str(100 * 1024 * 1024)}) == 413
        assert exchange(events, {"Content-Length": str(MAX_BODY_BYTES + 1)}) == 413
        # gunicorn de-chunks a body without a Content-Length: read to the limit and no further
        over = url_verification(MAX_BODY_BYTES + 1)
        chunked_headers = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
        assert exchange(events, {**chunked_headers, **driver.signature_headers(over)}, chunked(over)) == 413
        small = url_verification(2000)
        assert exchange(events, {**chunked_headers, **driver.signature_headers(small)}, chunked(small)) == 200
        assert driver.send(url_verification(MAX_BODY_BYTES), "application/json").status_code == 200


def test_billrec_serve_without_a_signing_secret_stops_with_one_line(tmp_path, database, config):
    env = environment(tmp_path, database, config, SLACK_BOT_TOKEN=BOT_TOKEN)
    done = subprocess.run([BILLREC, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30,
                          check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "billrec: SLACK_SIGNING_SECRET is not set: copy it from the app's Basic Information page"]
