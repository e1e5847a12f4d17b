"""What people read of the three-way licence check (issue 11), compared byte for byte with golden files.

The main story (`test_golden.py`) runs the default demo, which has no Microsoft 365 source, so its files
show the two-sided report unchanged. This one tells the same 20-client world (seed 7) at the same instant,
Tuesday 1 December 2026, 09:00 UTC, with Microsoft 365 beside Pax8 (`billrec demo --m365 m365`):

1. The demo connects ConnectWise, NinjaOne, Pax8 and Microsoft 365, syncs, links, adds its checks (the
   three-way *Microsoft 365 billed, bought, assigned* among them) and takes a snapshot.
2. The monthly digest runs and posts into #billing of the fake Slack, the renewals due within 30 days
   that still carry unassigned seats in its what-changed message.
3. Someone runs `billrec reconcile`, `billrec reconcile --format json` and `billrec export`.

    three-way-digest.json      the digest as the fake Slack received it (text and blocks; files by name)
    three-way-reconcile.txt    `billrec reconcile`: the table with its Bought, Buying and Buying/mo columns
    three-way-reconcile.json   `billrec reconcile --format json`, each three-way result's buying side
    three-way-report.csv       `billrec export --period 2026-12 -o …`, with the six buying columns

Regenerate, after a deliberate change, with the command in `tests/golden/__init__.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sandbox
from bot import demo
from reconcile import bootstrap
from reconcile.config import Config
from sandbox.slack import FakeSlack
from tests import golden
from tests.conftest import Clock, Database
from tests.golden.test_golden import (
    CLIENTS,
    NOW,
    SEED,
    as_json,
    at_the_terminal,
    post_the_digest,
    summaries,
    thread_of,
)


def digest(services: bootstrap.Services) -> bytes:
    with FakeSlack(post_rate=None) as fake:
        post_the_digest(fake, services)
        return as_json(thread_of(fake, summaries(fake)[-1]))


def story(database: Database, config: Config, clock: Clock, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    clock.now = NOW
    with sandbox.start(clients=CLIENTS, seed=SEED, now=NOW) as server:
        run = demo.run(server, demo.fresh_home(tmp_path / "demo"), say=lambda line: None, config=config, clock=clock,
                       vendors=demo.DEFAULT_VENDORS | {"m365": "m365"})
        try:
            produced = {"three-way-digest.json": digest(run.services)}
        finally:
            run.services.close()
    terminal = at_the_terminal(database, config, clock, tmp_path, monkeypatch)
    return produced | {"three-way-" + name.removeprefix("cli-"): content for name, content in terminal.items()}


def test_what_people_read_of_the_three_way_check_matches_the_golden_files(database, config, clock, tmp_path,
                                                                           monkeypatch, request):
    produced = story(database, config, clock, tmp_path, monkeypatch)
    assert b"Microsoft 365 billed, bought, assigned" in produced["three-way-reconcile.txt"]
    update = request.config.getoption("update_golden")
    failures = [problem for name, content in sorted(produced.items())
                if (problem := golden.check(name, content, update=update))]
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
