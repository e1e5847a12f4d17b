"""The multi-workspace install: OAuth into the fake Slack, tokens per team, tenants apart, uninstall, rotation."""

from __future__ import annotations


import pytest
import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot import oauth
from reconcile import install_tables
from sandbox.slack_driver import SlackDriver
from sandbox.slack_seed import ADMIN_ID, BOT_TOKEN, TEAM_ID
from tests.slack.conftest import SECRET, Chat, build_world, oauth_settings, serve

OTHER_TEAM, OTHER_TOKEN, OTHER_ADMIN, OTHER_CHANNEL = "T0002", "xoxb-T0002-other-bot", "U_OTHER", "C_OTHER"


@pytest.fixture
def installed(services, fake):
    """The app in OAuth mode, installed into the seeded team T0001 through the real flow."""
    settings = oauth_settings(fake)
    running = serve(services, settings)
    with SlackDriver(running.events_url, SECRET, fake=fake) as driver:
        install(driver, fake, TEAM_ID)
        yield Chat(fake, driver, running), settings
    running.stop()


def install(driver, fake, team_id, user_id=ADMIN_ID):
    page = driver.install()
    assert page.status_code == 200 and f"{fake.base_url}/oauth/v2/authorize" in page.text
    done = driver.oauth_redirect(fake.issue_oauth_code(team_id, user_id))
    assert done.status_code == 200, done.text


def store(settings, services):
    return SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=services.engine)


def bearer(call):
    return call.headers.get("authorization", "")


def test_an_install_stores_the_bot_and_the_teams_commands_use_its_token(installed, services):
    chat, settings = installed
    bot = store(settings, services).find_bot(enterprise_id=None, team_id=TEAM_ID)
    assert bot is not None and bot.bot_token == BOT_TOKEN and "chat:write" in bot.bot_scopes
    assert services.tenants.all() == ["T0001", "local"]  # the install created the team's tenant
    chat.run("disconnect nothing")  # an admin check: users.info with the team's token
    [lookup] = chat.fake.calls_to("users.info")
    assert bearer(lookup) == f"Bearer {BOT_TOKEN}"


def test_a_second_team_sees_none_of_the_first_teams_data(installed, services, fake):
    chat, _ = installed
    build_world(services, tenant=TEAM_ID)
    fake.add_team(OTHER_TEAM, OTHER_TOKEN, name="Other MSP", bot_user_id="U_BOT2", bot_id="B_BOT2")
    fake.add_user(OTHER_ADMIN, "olga", is_admin=True, team_id=OTHER_TEAM)
    fake.add_channel(OTHER_CHANNEL, "billing", members=["U_BOT2", OTHER_ADMIN], team_id=OTHER_TEAM)
    with SlackDriver(chat.driver.events_url, SECRET, fake=fake, team_id=OTHER_TEAM) as other_driver:
        install(other_driver, fake, OTHER_TEAM, OTHER_ADMIN)
        other = Chat(fake, other_driver, chat.served)
        status = other.run("status", user_id=OTHER_ADMIN, channel_id=OTHER_CHANNEL)
        checks = other.run("checks", user_id=OTHER_ADMIN, channel_id=OTHER_CHANNEL)
        reconciled = other.run("reconcile", user_id=OTHER_ADMIN, channel_id=OTHER_CHANNEL)
    assert "No integrations yet" in status.text and "No checks yet" in checks.text
    assert "No results yet" in reconciled.text and fake.messages(OTHER_CHANNEL) == []
    mine = chat.run("status")
    assert "*psa* · Scripted PSA" in mine.text and "*rmm* · Scripted RMM" in mine.text
    assert {bearer(c) for c in fake.calls_to("auth.test")} == {f"Bearer {BOT_TOKEN}", f"Bearer {OTHER_TOKEN}"}


def test_uninstalling_deletes_the_teams_tokens_and_keeps_its_data(installed, services):
    chat, settings = installed
    build_world(services, tenant=TEAM_ID)
    assert chat.driver.app_uninstalled().status_code == 200
    chat.served.settle()
    chat.fake.wait_for(lambda f: store(settings, services).find_bot(enterprise_id=None, team_id=TEAM_ID) is None)
    assert [i.name for i in services.integrations.list(TEAM_ID)] == ["psa", "rmm"]


def test_rotating_tokens_are_refreshed_before_they_expire_and_saved(services, fake):
    fake.set_app(token_rotation=True, token_lifetime=3600)  # within the 2 h we rotate ahead of expiry
    settings = oauth_settings(fake).model_copy(update={"slack_token_rotation": True})
    running = serve(services, settings)
    try:
        with SlackDriver(running.events_url, SECRET, fake=fake) as driver:
            install(driver, fake, TEAM_ID)
            first = store(settings, services).find_bot(enterprise_id=None, team_id=TEAM_ID)
            assert first.bot_token.startswith("xoxe.xoxb-") and first.bot_refresh_token
            Chat(fake, driver, running).run("status")  # Bolt rotates while handling the request
        second = store(settings, services).find_bot(enterprise_id=None, team_id=TEAM_ID)
        assert second.bot_token != first.bot_token
        # what the scheduler uses
        web = oauth.web_client(settings, store(settings, services), services.tenants.workspace(TEAM_ID))
        third = store(settings, services).find_bot(enterprise_id=None, team_id=TEAM_ID)
        assert web.token == third.bot_token != second.bot_token
        assert web.auth_test()["team_id"] == TEAM_ID
    finally:
        running.stop()


def test_our_installation_tables_are_exactly_slack_sdks_store_tables():
    ours = {t.name: t for t in install_tables.slack_tables(sa.MetaData())}
    theirs = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(theirs, install_tables.INSTALLATIONS)
    SQLAlchemyInstallationStore.build_bots_table(theirs, install_tables.BOTS)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, install_tables.OAUTH_STATES)

    def shape(table):
        columns = [(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns]
        return columns, sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes)

    assert {name: shape(t) for name, t in ours.items()} == {name: shape(t) for name, t in theirs.tables.items()}
