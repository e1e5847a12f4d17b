"""Real processes: a digest killed with SIGKILL mid-post and rerun, and two clock processes on one
database (one leads, the other takes over when it is killed, nothing runs twice).

The vendors are the sandbox's fake APIs and Slack is `FakeSlack`, both served by the test over
loopback HTTP; the processes are `python -m bot.cli …` with the environment a deployment has.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

import sandbox
from bot import demo
from bot.schedule.clock import Clock
from reconcile.config import Config
from reconcile.schedule import plan
from reconcile.schedule_tables import ClockLeader, JobRun
from reconcile.tables import Integration
from tests.scheduler.conftest import ADMIN, CHANNEL, TENANT, TOKEN, digest_parents

pytestmark = pytest.mark.slow

POLL = 0.3  # the clock processes' lock checks: takeover is expected within POLL + startup
TAKEOVER_LIMIT = 5.0  # seconds from SIGKILL to the standby leading, with generous slack for CI
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def msp_world(database, tmp_path, key, fake) -> Iterator[object]:
    """The sandbox MSP connected, synced, linked and checked in the test's database; a billing channel."""
    (tmp_path / "demo").mkdir()
    with sandbox.start(clients=60) as server:
        config = Config(home=tmp_path / "demo", database_url=database.url, encryption_keys=(key,),
                        http_policy=demo.DEMO_POLICY)
        run = demo.run(server, tmp_path / "demo", say=lambda line: None, config=config, tenant=TENANT)
        run.services.tenants.update(TENANT, ADMIN, billing_channel=CHANNEL, alert_threshold="1000000")
        yield run.services
        run.services.close()


def environment(database, tmp_path: Path, key: str, fake) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BILLREC_", "DATABASE_URL"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(DATABASE_URL=database.url, BILLREC_ENCRYPTION_KEY=key, BILLREC_HOME=str(tmp_path / "home"),
               BILLREC_TENANT=TENANT, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.api_url,
               NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(ROOT))
    return env


_started: list[subprocess.Popen[bytes]] = []
STARTUP = 90.0  # seconds a process may take to get going on a loaded machine (an upper bound, not a figure)


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test(database) -> Iterator[None]:
    """Kill what a failed test left running, before its database (or schema) is dropped under it."""
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.kill()
            process.wait(10)


def billrec(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT)
    _started.append(process)
    return process


def wait_until(condition, timeout: float = 30.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"waited {timeout}s for {what}")


def channel_counts(fake) -> tuple[int, Counter[str], Counter[str]]:
    parents = digest_parents(fake)
    thread = Counter(m.text for p in parents for m in fake.thread(CHANNEL, p.ts))
    files = Counter(f.filename for f in fake.files(CHANNEL))
    return len(parents), thread, files


def test_a_digest_killed_mid_post_and_rerun_posts_every_part_exactly_once(msp_world, database, tmp_path, key, fake):
    env = environment(database, tmp_path, key, fake)
    fake.slow("chat.postMessage", 0.4)
    log = tmp_path / "digest.log"
    first = billrec(env, "digest", log=log)
    wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2, timeout=STARTUP, what="two posts")
    first.send_signal(signal.SIGKILL)  # the third post is in flight: Slack will still take it
    first.wait(10)
    time.sleep(0.6)  # an in-flight post lands, as it would in Slack
    posted_before = len(fake.messages(CHANNEL))
    fake.slow("chat.postMessage", 0)
    second = billrec(env, "digest", "--in-flight", "2", log=log)  # the fake answers within 0.4 s
    assert second.wait(60) == 0, log.read_text()
    parents, thread, files = channel_counts(fake)
    assert parents == 1
    assert all(n == 1 for n in thread.values()), thread
    details = [t for t in thread if t.startswith("Details")]
    parts = len(details)  # as many as the thread's block budget needs (each client's buttons take room)
    assert parts >= 2 and details == [f"Details {n}/{parts} of the reconciliation" for n in range(1, parts + 1)]
    assert any(t.startswith("What changed") for t in thread)
    assert sorted(files.values()) == [1, 1] and sorted(name[-4:] for name in files) == [".csv", ".png"]
    assert 2 <= posted_before < len(fake.messages(CHANNEL))  # the kill landed mid-digest
    third = billrec(env, "digest", log=log)
    assert third.wait(60) == 0
    assert "already posted" in log.read_text().splitlines()[-1]


def leader(services) -> ClockLeader | None:
    with services.context.sessions() as session:
        return session.get(ClockLeader, "clock")


def runs(services) -> list[JobRun]:
    with services.context.sessions() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.id)))


def test_two_clock_processes_one_leads_the_other_takes_over_and_nothing_runs_twice(msp_world, database, tmp_path,
                                                                                   key, fake, clock):
    services = msp_world
    now = datetime.now(UTC)
    # Seed the job store as a clock stopped a day ago left it: every sync is due now (the digest, below).
    from bot.schedule import runtime
    from bot.settings import Settings
    from reconcile.schedule import locks
    from reconcile.schedule.leader import LEADER
    clock.now = now - timedelta(days=1)
    services.context.clock = clock
    seeded = Clock(runtime.Runtime(services, Settings(), lambda t: None, locks.for_engine(services.engine)),
                   stepped=True)
    seeded.start()
    due_syncs = sorted(j for j, at in seeded.next_runs().items() if j.startswith(f"sync:{TENANT}:") and at <= now)
    services.context.clock = lambda: datetime.now(UTC)
    with services.context.sessions.begin() as session:  # and the last syncs were a day ago
        session.execute(update(Integration).values(last_attempt_at=now - timedelta(days=1)))
    assert len(due_syncs) == 3

    env = environment(database, tmp_path, key, fake)
    fake.slow("chat.postMessage", 0.5)
    args = ("scheduler", "--poll", str(POLL), "--resync", "2", "--in-flight", "2")
    # Both start while the test holds the clock lock, so both are up before anything runs, however
    # slowly a loaded machine starts them; when it lets go, one leads and the other stands by.
    held = locks.for_engine(services.engine).try_acquire(LEADER)
    one, other = billrec(env, *args, log=tmp_path / "one.log"), billrec(env, *args, log=tmp_path / "other.log")
    for name in ("one", "other"):
        wait_until(lambda: "standby" in (tmp_path / f"{name}.log").read_text(), timeout=STARTUP,
                   what=f"{name} on standby")
    # the digest is due 3 s after the leader starts, once its syncs are under way
    seeded.scheduler.modify_job(plan.digest_job_id(TENANT), next_run_time=datetime.now(UTC) + timedelta(seconds=3))
    seeded.shutdown()
    held.release()
    row = wait_until(lambda: (r := leader(services)) and r.holder.endswith((f":{one.pid}", f":{other.pid}")) and r,
                     what="one of them to lead")
    first, second = (one, other) if row.holder.endswith(f":{one.pid}") else (other, one)  # leader, standby
    try:
        wait_until(lambda: fake.calls_to("chat.postMessage"), timeout=STARTUP, what="the digest's first post")
        assert leader(services).holder.endswith(f":{first.pid}")
        killed_at = datetime.now(UTC)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        row = wait_until(lambda: (r := leader(services)) and r.holder.endswith(f":{second.pid}") and r,
                         timeout=TAKEOVER_LIMIT, what="the standby to take over")
        takeover = (row.since - killed_at).total_seconds()
        print(f"takeover after SIGKILL: {takeover:.2f} s (poll {POLL} s)")
        assert takeover < TAKEOVER_LIMIT
        wait_until(lambda: any(r.job_id == plan.digest_job_id(TENANT) and r.status == "succeeded"
                               for r in runs(services)), timeout=60, what="the digest to finish on the standby")
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(20)

    done = runs(services)
    by_runner = {r.runner.rsplit(":", 1)[1] for r in done}
    assert by_runner <= {str(first.pid), str(second.pid)}
    ran = [r for r in done if r.status != "skipped"]
    served = Counter((r.job_id, r.slot) for r in ran if r.status in ("succeeded", "failed", "held"))
    assert all(n == 1 for n in served.values()), served  # no job served one slot twice
    assert sorted(r.job_id for r in ran if r.kind == "sync") == due_syncs  # each due sync once, by the leader
    assert all(r.runner.endswith(f":{first.pid}") for r in ran if r.kind == "sync")
    digest_runs = [(r.runner.rsplit(":", 1)[1], r.status) for r in done if r.kind == "digest" and r.tenant_id == TENANT]
    assert digest_runs == [(str(first.pid), "interrupted"), (str(second.pid), "succeeded")]
    parents, thread, files = channel_counts(fake)
    assert parents == 1 and all(n == 1 for n in thread.values()) and sorted(files.values()) == [1, 1]
