"""What people read, compared byte for byte with the golden files beside this module.

One story, told the same way on SQLite and PostgreSQL (the `database` fixture runs it on each):
a 20-client sandbox world (seed 7) whose clock stands at Tuesday 1 December 2026, 09:00 UTC.

1. On 28 October the demo pipeline (`bot.demo.run`, the one `billrec demo` runs) connects
   ConnectWise, NinjaOne and Pax8, syncs, links, adds the planted checks and takes snapshot #1.
2. By 1 December one client has enrolled three more workstations (`sandbox.add_devices`).
3. At 09:00 the monthly digest runs (`bot.schedule.jobs.run_digest`, the scheduler's own job) and
   posts into #billing of the fake Slack: summary, details, CSV, what changed, chart.
4. Someone types `/billrec reconcile` in #billing and opens the App Home (signed requests to the
   real app, served over HTTP).
5. Someone runs `billrec reconcile` and `billrec export` at a terminal.

Every clock in it is the test's, so the files do not depend on when, where or in which worker
they run. The golden files:

    slack-digest.json      the digest's messages as the fake Slack received them (text and blocks;
                           the shared files by name and title; the chart's PNG bytes are not compared)
    slack-reconcile.json   what `/billrec reconcile` posted: summary, thread parts, the CSV's name
    slack-home.json        the App Home view the bot published
    cli-reconcile.txt      `billrec reconcile` (the cards and the table)
    cli-reconcile.json     `billrec reconcile --format json`
    report.csv             `billrec export --period 2026-12 -o …` (CRLF line ends, as spreadsheets want)

The CSVs the digest and `/billrec reconcile` attach in Slack are asserted to be `report.csv`'s bytes.

After a deliberate change to any of these, regenerate them all with one command:

    .venv/bin/pytest -q -n 0 tests/golden --update-golden

and read `git diff tests/golden` as a user would. A failure shows each file's unified diff and
that command.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import sandbox
from bot import demo, posting
from bot.cli import cli
from bot.schedule import jobs
from bot.schedule.runtime import Runtime
from bot.slackclient import make_web_client
from reconcile import bootstrap
from reconcile.audit import Actor
from reconcile.config import Config
from reconcile.schedule import locks
from sandbox.slack import FakeSlack
from sandbox.slack_driver import SlackDriver
from sandbox.slack_seed import ADMIN_ID, BILLING, BOT_TOKEN, seed_workspace
from sandbox.truth.model import Linking, Role
from tests import golden
from tests.conftest import Clock, Database
from tests.slack.conftest import SECRET, serve, single_workspace

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEMO_DAY = NOW - timedelta(days=34)  # 28 October, the month before
CLIENTS, SEED = 20, 7  # the smallest world that holds every planted trap
TENANT = "local"  # the demo's, the CLI's and the single-workspace app's tenant
ADMIN = Actor(ADMIN_ID, "slack")
real_build = bootstrap.build  # before any test replaces it with one on the story's clock


def as_json(value: Any) -> bytes:
    """Indented, one fact a line, so a diff reads as what changed."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def message(m: Any) -> dict[str, Any]:
    """A message as a reader sees it: its text and blocks (its ts is the fake's clock, not ours)."""
    return {"text": m.text, "blocks": m.blocks}


def summaries(fake: FakeSlack) -> list[Any]:
    """The top-level messages in #billing, oldest first."""
    return [m for m in fake.messages(BILLING) if m.thread_ts is None]


def thread_of(fake: FakeSlack, parent: Any) -> dict[str, Any]:
    files = [f for f in fake.files(BILLING) if f.thread_ts == parent.ts]
    return {"summary": message(parent), "thread": [message(m) for m in fake.thread(BILLING, parent.ts)],
            "files": [{"filename": f.filename, "title": f.title} for f in files]}


def the_month(server: sandbox.SandboxServer, config: Config, clock: Clock, home: Path) -> bootstrap.Services:
    """Steps 1 and 2: the demo a month ago, then three new workstations at one client."""
    clock.now = DEMO_DAY
    run = demo.run(server, demo.fresh_home(home), say=lambda line: None, config=config, clock=clock)
    enrolled = next(c for c in server.world.clients if any(a.linking == Linking.EASY for a in c.accounts_of(Role.RMM)))
    server.replace_world(sandbox.add_devices(server.world, enrolled.canonical, 3))
    clock.now = NOW
    return run.services


def post_the_digest(fake: FakeSlack, services: bootstrap.Services) -> Any:
    """The monthly digest, run as the scheduler runs it, into #billing of `fake`; the app's settings."""
    seed_workspace(fake)
    settings = single_workspace(fake)
    services.tenants.update(TENANT, ADMIN, billing_channel=BILLING)
    rt = Runtime(services, settings, lambda tenant: make_web_client(settings, BOT_TOKEN),
                 locks.for_engine(services.engine), pacer=posting.Pacer(interval=0), runner="golden:1")
    assert jobs.run_digest(rt, TENANT).startswith(f"posted to {BILLING}")
    return settings


def in_slack(services: bootstrap.Services) -> tuple[dict[str, bytes], list[bytes]]:
    """Steps 3 and 4: what #billing and the App Home show; and the CSVs attached in Slack."""
    produced: dict[str, bytes] = {}
    with FakeSlack(post_rate=None) as fake:
        settings = post_the_digest(fake, services)
        digest = summaries(fake)[-1]
        produced["slack-digest.json"] = as_json(thread_of(fake, digest))

        served = serve(services, settings)
        try:
            with SlackDriver(served.events_url, SECRET, fake=fake) as driver:
                assert driver.command("reconcile").status_code == 200
                served.settle()
                asked = summaries(fake)[-1]
                assert asked.ts != digest.ts, "/billrec reconcile posted no summary"
                produced["slack-reconcile.json"] = as_json(thread_of(fake, asked))
                assert driver.app_home_opened(ADMIN_ID).status_code == 200
                served.settle()
                produced["slack-home.json"] = as_json(fake.calls_to("views.publish")[-1].body["view"])
        finally:
            served.stop()
        attached = [f.content for f in fake.files(BILLING)
                    if f.thread_ts in (digest.ts, asked.ts) and f.filename.endswith(".csv")]
    return produced, attached


def at_the_terminal(database: Database, config: Config, clock: Clock, folder: Path,
                    monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Step 5: the real `billrec` command, its services on the story's clock."""
    monkeypatch.setattr(bootstrap, "build", lambda *args, **kwargs: real_build(*args, **kwargs, clock=clock))
    env = {"BILLREC_HOME": str(config.home), "DATABASE_URL": database.url,
           "BILLREC_ENCRYPTION_KEY": config.encryption_keys[0]}
    runner = CliRunner()

    def billrec(*args: str) -> bytes:
        result = runner.invoke(cli, list(args), env=env, prog_name="billrec")
        assert result.exit_code == 0, result.output
        return result.stdout_bytes

    exported = folder / "export.csv"
    billrec("export", "--period", "2026-12", "-o", str(exported))
    return {"cli-reconcile.txt": billrec("reconcile"), "cli-reconcile.json": billrec("reconcile", "--format", "json"),
            "report.csv": exported.read_bytes()}


def story(database: Database, config: Config, clock: Clock, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The story in the module docstring; returns each golden file's name and bytes."""
    with sandbox.start(clients=CLIENTS, seed=SEED, now=NOW) as server:
        services = the_month(server, config, clock, tmp_path / "demo")
        try:
            produced, attached = in_slack(services)
        finally:
            services.close()
    produced |= at_the_terminal(database, config, clock, tmp_path, monkeypatch)
    # the digest's CSV and /billrec reconcile's are the one the terminal exports: same results, same bytes
    assert attached == [produced["report.csv"]] * 2
    return produced


def test_what_people_read_matches_the_golden_files(database, config, clock, tmp_path, monkeypatch, request):
    produced = story(database, config, clock, tmp_path, monkeypatch)
    update = request.config.getoption("update_golden")
    failures = [problem for name, content in sorted(produced.items())
                if (problem := golden.check(name, content, update=update))]
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
