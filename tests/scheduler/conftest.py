"""Fixtures for the scheduler: a small scripted MSP, a fake Slack, a runtime, a clock stepped by hand.

    def test_something(tenant, clock, ticker, fake):
        clock.now = at("2026-11-01 09:00", "Europe/London")
        ticker.step()                      # runs what is due at the test's clock, inline
        fake.messages(CHANNEL)

Every test runs on SQLite and PostgreSQL (the `services` fixture). Nothing here reads the
wall clock for a decision: job times come from `clock`, which only the test moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot import posting
from bot.schedule import runtime
from bot.schedule.clock import Clock
from bot.schedule.runtime import Runtime
from bot.settings import Settings
from bot.slackclient import make_web_client
from connectors.records import Account, Quantity
from reconcile.audit import Actor
from reconcile.check_catalog import SideSpec
from reconcile.schedule import locks
from sandbox.slack import FakeSlack
from sandbox.slack_state import DEFAULT_SCOPES
from tests.fakes import Scripted, ScriptedBilling

TENANT = "T_MSP"
TOKEN = "xoxb-scheduler-test"
CHANNEL = "C_BILLING"
ADMIN = Actor("U_ADMIN", "cli")
SCOPES = (*DEFAULT_SCOPES, "channels:history", "groups:history")
PRICE = Decimal(50)


def at(moment: str, zone: str = "UTC") -> datetime:
    """`at("2026-11-01 09:00", "Europe/London")` → an aware datetime."""
    return datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))


def msp(clients: int, under: set[int] | None = None, over: set[int] | None = None, extra: int = 3,
        used: dict[int, int] | None = None) -> None:
    """Script the PSA and RMM: every client billed 10 workstations at $50; `under` use 10+extra, `over` 8;
    `used` overrides single clients."""
    under = set(range(0, clients, 3)) if under is None else under
    over = set(range(1, clients, 3)) if over is None else over
    billing: list[object] = []
    usage: list[object] = []
    for i in range(clients):
        name = f"Client {i:03d}"
        billing += [Account(id=f"c{i}", name=name),
                    Quantity(account_id=f"c{i}", metric="billed:MW-01", value=Decimal(10), unit_price=PRICE)]
        count = (used or {}).get(i, 10 + extra if i in under else 8 if i in over else 10)
        usage += [Account(id=f"o{i}", name=name),
                  Quantity(account_id=f"o{i}", metric="devices:workstation", value=Decimal(count))]
    ScriptedBilling.script = billing
    Scripted.script = usage


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(post_rate=None) as running:
        running.add_team(TENANT, TOKEN, scopes=SCOPES)
        running.add_channel(CHANNEL, "billing", members=["U_BOT"])
        yield running


@pytest.fixture
def tenant(services, clock) -> Iterator[str]:
    """A tenant with a PSA and an RMM connected and synced, clients linked, one check, a channel."""
    clock.now = at("2026-10-20 12:00")
    services.context.registry.update({"scripted": Scripted, "scripted_psa": ScriptedBilling})
    msp(12)
    services.tenants.ensure(TENANT, "Test MSP")
    services.integrations.connect(TENANT, "scripted_psa", "psa", {"api_key": "k-psa"}, ADMIN)
    services.integrations.connect(TENANT, "scripted", "rmm", {"api_key": "k-rmm"}, ADMIN)
    for outcome in services.syncs.run_all(TENANT, ADMIN):
        assert outcome.ok, outcome.message
    services.links.suggest(TENANT, ADMIN, approve_above=0.95)
    services.checks.add(TENANT, "Managed workstations", SideSpec("psa", ["billed:MW-01"]),
                        SideSpec("rmm", ["devices:workstation"]), ADMIN)
    services.tenants.update(TENANT, ADMIN, billing_channel=CHANNEL, timezone="Europe/London")
    yield TENANT
    Scripted.script, ScriptedBilling.script = [], []


@pytest.fixture
def rt(services, fake, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(billrec_home=tmp_path / "home", slack_api_url=fake.api_url, slack_bot_token=SecretStr(TOKEN))
    built = Runtime(services, settings, lambda tenant_id: make_web_client(settings, TOKEN),
                    locks.for_engine(services.engine), pacer=posting.Pacer(interval=0), runner="test:1")
    runtime.install(built)
    yield built
    runtime.install(None)


@pytest.fixture
def ticker(rt, tenant) -> Iterator[Clock]:
    """The scheduler over the test's database, stepped: jobs run only through `step()`."""
    clock = Clock(rt, stepped=True)
    clock.start()
    yield clock
    clock.shutdown()


def digest_parents(fake: FakeSlack, channel: str = CHANNEL) -> list:
    """The digests' parent messages in the channel (alerts are top-level too, but not these)."""
    return [m for m in fake.messages(channel) if m.thread_ts is None and "Monthly billing digest" in m.text]
