"""Billing admins are people: `settings admins=…` resolves mentions, names and e-mail addresses to Slack
user ids through the Web API, or refuses with how to name them (issue 9, item 4), in Slack and on the CLI."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import cli
from sandbox.slack_seed import ADMIN_ID, BOT_TOKEN, TECH_ID


def test_admins_typed_as_names_and_addresses_are_stored_as_user_ids(slack, services):
    result = slack.run("settings admins=@dana sam@acme-msp.example")
    assert services.tenants.settings("local").admins == (ADMIN_ID, TECH_ID)
    assert f"<@{ADMIN_ID}>" in result.text and f"<@{TECH_ID}>" in result.text
    assert slack.fake.calls_to("users.list") and slack.fake.calls_to("users.lookupByEmail")


def test_mentions_and_member_ids_need_no_lookup(slack, services):
    slack.run(f"settings admins=<@{ADMIN_ID}|dana> {TECH_ID}")
    assert services.tenants.settings("local").admins == (ADMIN_ID, TECH_ID)
    assert not slack.fake.calls_to("users.list")


def test_a_name_that_finds_nobody_is_refused_and_nothing_changes(slack, services):
    result = slack.run("settings admins=@dnaa")
    assert "no one in this Slack workspace is named @dnaa" in result.text and "Copy member ID" in result.text
    unknown = slack.run("settings admins=nobody@acme-msp.example")
    assert "no one in this Slack workspace has the e-mail address nobody@acme-msp.example" in unknown.text
    assert services.tenants.settings("local").admins == ()


def test_a_named_admin_may_then_change_settings(slack, services):
    slack.run("settings admins=sam")
    assert services.tenants.settings("local").admins == (TECH_ID,)
    refused = slack.run("settings digest_day=4")  # U_ADMIN is a workspace admin, no longer a billing admin
    assert "Only billing admins may change settings" in refused.text
    slack.run("settings digest_day=4", user_id=TECH_ID)
    assert services.tenants.settings("local").digest_day == 4


def cli_settings(cli_env, *args: str, slack_api_url: str | None = None):
    env = dict(cli_env)
    if slack_api_url:
        env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack_api_url}
    return CliRunner().invoke(cli, ["settings", *args], env=env, prog_name="billrec")


def test_the_cli_looks_people_up_in_the_workspace(cli_env, fake, services):
    result = cli_settings(cli_env, "admins=@dana,sam@acme-msp.example", slack_api_url=fake.api_url)
    assert result.exit_code == 0, result.output + result.stderr
    assert f"admins: {ADMIN_ID}, {TECH_ID}" in result.stdout
    refused = cli_settings(cli_env, "admins=@dnaa", slack_api_url=fake.api_url)
    assert refused.exit_code == 1 and "no one in this Slack workspace is named @dnaa" in refused.stderr


def test_the_cli_without_slack_takes_member_ids_and_refuses_names(cli_env):
    refused = cli_settings(cli_env, "admins=@dana")
    assert refused.exit_code == 1 and "no Slack workspace is configured here to look up '@dana'" in refused.stderr
    taken = cli_settings(cli_env, f"admins={ADMIN_ID}")
    assert taken.exit_code == 0 and f"admins: {ADMIN_ID}" in taken.stdout
