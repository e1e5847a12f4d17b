"""Enterprise Grid: a workspace inside an org and an org-wide install, each installed through the
real OAuth flow into the fake Slack, get their monthly digest and their alerts: the scheduler
finds their bot by enterprise id, team id and `is_enterprise_install`, as Bolt's authorize does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from alembic import command

from bot import alerts
from bot.posting import Pacer
from bot.schedule import jobs, runtime
from reconcile import db
from reconcile.schedule import locks
from reconcile.tenants import Workspace
from sandbox.slack_driver import SlackDriver
from tests.slack.conftest import SECRET, SETUP, Chat, build_world, oauth_settings, serve
from tests.slack.test_oauth import install

ORG, ORG_TOKEN, ORG_BOT = "E_UMBRELLA", "xoxb-E_UMBRELLA-org-bot", "W_ORG_BOT"
TEAM, TEAM_TOKEN, TEAM_BOT = "T_UMBRELLA_BILLING", "xoxb-T_UMBRELLA_BILLING-bot", "U_TEAM_BOT"
ADMIN, CHANNEL = "U_GINA", "C_UMBRELLA_BILLING"
# the tenant each shape is, the token Slack issued for it, whether it is installed org-wide
SHAPES = {"a workspace of an org": (TEAM, TEAM_TOKEN, False), "an org-wide install": (ORG, ORG_TOKEN, True)}


@dataclass
class Grid:
    tenant: str
    token: str
    workspace: Workspace
    chat: Chat
    rt: runtime.Runtime


@pytest.fixture(params=list(SHAPES))
def grid(request, services, fake) -> Iterator[Grid]:
    """The org, one workspace of it with a billing channel, installed in the shape asked; a world synced."""
    fake.add_org(ORG, ORG_TOKEN, name="Umbrella Group", bot_user_id=ORG_BOT)
    fake.add_team(TEAM, TEAM_TOKEN, name="Umbrella Billing", bot_user_id=TEAM_BOT, bot_id="B_TEAM_BOT",
                  enterprise_id=ORG)
    fake.add_user(ADMIN, "gina", is_admin=True, team_id=TEAM)
    fake.add_channel(CHANNEL, "billing", members=[TEAM_BOT, ORG_BOT, ADMIN], team_id=TEAM)
    tenant, token, org_wide = SHAPES[request.param]
    settings = oauth_settings(fake)
    served = serve(services, settings)
    try:
        with SlackDriver(served.events_url, SECRET, fake=fake, team_id=TEAM, enterprise_id=ORG,
                         enterprise_install=org_wide) as driver:
            install(driver, fake, tenant, ADMIN)
            build_world(services, tenant=tenant)
            services.tenants.update(tenant, SETUP, billing_channel=CHANNEL)
            rt = runtime.Runtime(services, settings, runtime.slack_factory(settings, services),
                                 locks.for_engine(services.engine), pacer=Pacer(interval=0), runner="test:1")
            workspace = Workspace(None if org_wide else TEAM, ORG, org_wide)
            yield Grid(tenant, token, workspace, Chat(fake, driver, served), rt)
    finally:
        served.stop()


def bearers(fake, method: str) -> set[str]:
    return {c.headers.get("authorization", "") for c in fake.calls_to(method)}


def test_the_install_remembers_where_the_tenant_is(grid, services):
    assert services.tenants.workspace(grid.tenant) == grid.workspace


def test_the_monthly_digest_is_posted_with_the_installs_own_token(grid, fake):
    assert jobs.run_digest(grid.rt, grid.tenant).startswith(f"posted to {CHANNEL}")
    parents = [m for m in fake.messages(CHANNEL) if m.thread_ts is None and "Monthly billing digest" in m.text]
    assert len(parents) == 1 and len(fake.files(CHANNEL)) == 2  # the CSV and the chart, in its thread
    assert bearers(fake, "chat.postMessage") == {f"Bearer {grid.token}"}


def test_new_under_billing_is_alerted_with_the_installs_own_token(grid, fake):
    assert alerts.after_sync(grid.rt, grid.tenant) == 1  # Acme: billed 10, uses 13
    [alert] = [m for m in fake.messages(CHANNEL) if m.text.startswith("New under-billing")]
    assert "*Acme Corp*" in alert.blocks[0]["text"]["text"]
    assert bearers(fake, "chat.postMessage") == {f"Bearer {grid.token}"}


def test_a_command_from_the_orgs_workspace_is_answered_for_its_tenant(grid, fake):
    status = grid.chat.run("status", user_id=ADMIN, channel_id=CHANNEL)
    assert "*psa* · Scripted PSA" in status.text and "*rmm* · Scripted RMM" in status.text
    assert f"Bearer {grid.token}" in bearers(fake, "auth.test")


def test_an_install_made_before_the_tenants_place_was_kept_still_gets_its_digest(grid, services, fake):
    config = db.alembic_config(services.engine)
    command.downgrade(config, "0006")  # as the database was: installs, but no tenant_workspaces
    command.upgrade(config, "head")  # which fills it in from the installs
    assert services.tenants.workspace(grid.tenant) == grid.workspace
    assert jobs.run_digest(grid.rt, grid.tenant).startswith(f"posted to {CHANNEL}")
