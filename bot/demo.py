"""The demo pipeline: a fake MSP end to end, on SQLite and the sandbox, in under a minute.

Connects one fake vendor per role (`sandbox.choose`: ConnectWise, NinjaOne and Pax8 unless told
otherwise), syncs, suggests links (auto-approving only exact-name matches, and saying so: a real
tenant approves by hand), adds the checks those roles can answer (stated in the truth's words,
in the chosen vendors' metric keys), takes a snapshot, and returns what a billing admin would
read. The end-to-end test runs this same function and compares it with the world's answer key.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.http import HttpPolicy
from reconcile import bootstrap, csvexport, owner_only
from reconcile.audit import Actor
from reconcile.config import LOCAL_TENANT, Config
from reconcile.context import utcnow
from reconcile.reconciliation import Report
from reconcile.check_catalog import SideSpec
from reconcile.checks import COVERAGE
from reconcile.snapshots import SnapshotInfo

DEMO_ACTOR = Actor("demo", "cli")
AUTO_APPROVE = 0.95
# The sandbox answers at once; a real vendor gets its documented pace, or the default, gentler one.
DEMO_POLICY = HttpPolicy(requests_per_second=100, burst=100, attempts=4, backoff_initial=0.2, max_wait=2.0,
                         vendor_limits=False)
# which fake vendor plays each role unless told otherwise; the others join only when picked
DEFAULT_VENDORS = {"psa": "connectwise", "rmm": "ninjaone", "distributor": "pax8"}


@dataclass(frozen=True)
class DemoRun:
    services: bootstrap.Services
    report: Report
    snapshot: SnapshotInfo
    csv_path: Path
    auto_approved: int
    open_suggestions: int
    checks: tuple[Any, ...] = ()  # the checks in the truth's words (`sandbox.truth.checks.CheckSpec`)


def demo_config(home: Path) -> Config:
    """A throwaway embedded tenant: its own SQLite file and generated key under `home`."""
    return Config(home=home, http_policy=DEMO_POLICY)


def fresh_home(home: Path) -> Path:
    if home.exists():
        shutil.rmtree(home)
    return owner_only.directory(home)  # its own key and database: the owner's alone, as BILLREC_HOME


def run(server: object, home: Path, *, say: Callable[[str], None] = print,
        config: Config | None = None, tenant: str = LOCAL_TENANT, vendors: dict[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow) -> DemoRun:
    """Connect, sync, link, check and snapshot the sandbox world served by `server`.

    `vendors` picks a fake vendor per role by kind (`{"rmm": "ninjaone"}`); the rest are the defaults.
    `clock` is the services' time source (the golden files run the demo at the world's own `now`).
    """
    import sandbox  # only the demo reaches into the sandbox

    choice = sandbox.choose(DEFAULT_VENDORS | (vendors or {}))
    services = bootstrap.build(config or demo_config(home), clock=clock)
    services.tenants.ensure(tenant, "Demo MSP")
    for kind in dict.fromkeys(vendor.kind for vendor in choice.values()):
        info = services.integrations.connect(tenant, kind, kind, server.settings(kind), DEMO_ACTOR)  # type: ignore[attr-defined]
        say(f"connected {info.display_name} (connection tested)")
    for outcome in services.syncs.run_all(tenant, DEMO_ACTOR):
        say(f"synced {outcome.integration}: {outcome.accounts} accounts, {outcome.quantities} quantities, "
            f"{outcome.assets} assets" + "".join(f"; could not read {what}" for what in outcome.unreadable)
            if outcome.ok else f"{outcome.integration}: {outcome.message}")
    before = {l.id for l in services.links.list(tenant, "approved")}
    open_suggestions = services.links.suggest(tenant, DEMO_ACTOR, approve_above=AUTO_APPROVE)
    approved = [l for l in services.links.list(tenant, "approved") if l.id not in before]
    say(f"linked {len(approved)} vendor accounts to clients (auto-approved at score ≥ {AUTO_APPROVE} because this is "
        f"the demo; a real tenant approves by hand); {len(open_suggestions)} suggestions left for a person")
    checks = sandbox.demo_checks(choice)
    for spec in checks:
        if spec.get("kind") == COVERAGE:  # the machines that should be protected, by the agents that protect them
            services.checks.add_coverage(
                tenant, spec["name"], SideSpec(spec["billed"]["integration"], spec["billed"]["metrics"]),
                SideSpec(spec["usage"]["integration"], spec["usage"]["metrics"]), DEMO_ACTOR,
                seen_within_days=spec.get("seen_within_days"))
            continue
        services.checks.add(
            tenant, spec["name"], SideSpec(spec["billed"]["integration"], spec["billed"]["metrics"]),
            SideSpec(spec["usage"]["integration"], spec["usage"]["metrics"]), DEMO_ACTOR,
            seen_within_days=spec.get("seen_within_days"), ratio=spec.get("ratio", "1"),
            tolerance_units=spec.get("tolerance_units", "0"), tolerance_percent=spec.get("tolerance_percent", "0"),
            unit=spec.get("unit"), rounding=spec.get("rounding"), included=spec.get("included"),
            bought=SideSpec(spec["bought"]["integration"], spec["bought"]["metrics"]) if "bought" in spec else None)
    say(f"added {len(checks)} checks")
    report = services.reconciler.run(tenant)
    snapshot = services.snapshots.take(tenant, DEMO_ACTOR, report=report)
    csv_path = home / f"billrec-{snapshot.period}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        csvexport.write(report.results, handle)
    return DemoRun(services, report, snapshot, csv_path, len(approved), len(open_suggestions),
                   sandbox.choice.specs(choice))




def show_in_slack(run: DemoRun, say: Callable[[str], None] = print) -> Path:
    """Ask `/billrec reconcile` through the real Slack app, against a fake Slack, and show the channel.

    Starts the fake Slack Web API (with Slack's pace of about one post per second per channel),
    builds the production app for it (a made-up signing secret and bot token), sends a signed
    slash command from the #billing channel with the driver, waits for the summary, its thread
    and the CSV, prints the channel as a reader would see it, and writes the CSV the fake received
    next to the demo's own. Returns that file.
    """
    from bot import wsgi
    from bot.app import create_app
    from bot.background import Background
    from bot.serving import LocalServer
    from bot.settings import Settings
    from sandbox.slack import FakeSlack
    from sandbox.slack_driver import SlackDriver, render_channel
    from sandbox.slack_seed import BILLING, BOT_TOKEN, seed_workspace

    secret = "demo-signing-secret"
    with FakeSlack() as fake:
        seed_workspace(fake)
        settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=secret,
                            slack_api_url=fake.api_url)
        background = Background()
        app = create_app(run.services, settings, background=background)
        served = LocalServer(wsgi.handler(app, secret))
        with served as server, SlackDriver(server.events_url, secret, fake=fake) as driver:
            say("/billrec reconcile in #billing, sent to the real app over HTTP, signed like Slack signs it")
            answer = driver.command("reconcile")
            say(f"acked in {(driver.last_elapsed or 0) * 1000:.0f} ms: {answer.text or '(empty 200)'}")
            fake.wait_for(lambda f: f.files(BILLING), timeout=120)
            background.wait_idle(60)
        background.shutdown()
        say("what #billing shows:")
        for line in render_channel(fake, BILLING).splitlines():
            say(line)
        shared = fake.files(BILLING)[0]
        copy = run.csv_path.with_name(f"slack-{shared.filename}")
        copy.write_bytes(shared.content)
        say(f"The CSV landed in the summary's thread as {shared.filename} ({shared.size} bytes), "
            f"file {shared.id}; the fake Slack's copy is at {copy}")
    return copy
