"""Requests reach the app only when Slack signed them; odd but valid texts still parse."""

from __future__ import annotations

import pytest
from slack_bolt import BoltRequest

from bot.app import SlackSetupError, check_settings, create_app
from bot.background import Background
from bot.posting import Pacer
from bot.settings import Settings
from sandbox import slack_payloads as payloads
from sandbox.slack_seed import ADMIN_ID, BILLING, BOT_TOKEN, TEAM_ID


@pytest.mark.parametrize("sign", ["bad", "missing", "stale"])
def test_a_request_without_a_valid_fresh_signature_is_refused_with_401(slack, sign):
    response = slack.driver.command("status", sign=sign)
    assert response.status_code == 401
    assert slack.fake.hooks == []


def test_a_signed_request_is_acked_well_within_three_seconds(slack):
    result = slack.run("help", replies=0)
    assert result.response.status_code == 200
    assert slack.driver.last_elapsed < 3  # Bolt's own limit; the benchmark measures the real figure
    assert "/billrec reconcile" in result.text


def test_a_command_mentioning_payload_is_still_a_command(slack):
    # Bolt 1.30 alone answers this 404 ("payload" in a form body is taken for an interaction)
    result = slack.run("history payload corp")
    assert "no snapshots yet" in result.text


@pytest.mark.parametrize("text", ["", "bogus", "HELP"])
def test_empty_and_unknown_subcommands_show_the_help(slack, text):
    result = slack.run(text, replies=0)
    assert "/billrec status" in result.text and "/billrec except add CLIENT | CHECK | REASON" in result.text
    if text == "bogus":
        assert "I do not know `bogus`" in result.text


@pytest.mark.parametrize(("values", "complaint"), [
    ({"slack_bot_token": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
    ({"slack_signing_secret": "s"}, "set SLACK_BOT_TOKEN"),
    ({"slack_signing_secret": "s", "slack_client_id": "1.2"}, "SLACK_CLIENT_SECRET is not set"),
    ({"slack_signing_secret": "s", "slack_bot_token": "xoxb-1", "slack_client_id": "1.2",
      "slack_client_secret": "x"}, "not both"),
    ({"slack_signing_secret": "s", "slack_bot_token": "xoxb-1", "slack_token_rotation": True}, "needs the OAuth"),
])
def test_start_fails_fast_with_one_line_naming_the_missing_setting(values, complaint):
    with pytest.raises(SlackSetupError) as refused:
        check_settings(Settings(_env_file=None, **values))
    assert complaint in refused.value.message and "\n" not in refused.value.message


def test_socket_mode_needs_an_app_token_but_no_signing_secret():
    with pytest.raises(SlackSetupError, match="SLACK_APP_TOKEN"):
        check_settings(Settings(_env_file=None, slack_bot_token="xoxb-1"), socket_mode=True)
    check_settings(Settings(_env_file=None, slack_bot_token="xoxb-1", slack_app_token="xapp-1"), socket_mode=True)


def test_in_socket_mode_the_same_app_answers_without_a_signing_secret(services, fake):
    """What slack_bolt's Socket Mode adapter hands the app: the payload as a dict, no signature."""
    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_app_token="xapp-1-test",
                        slack_api_url=fake.api_url)
    background = Background()
    app = create_app(services, settings, background=background, socket_mode=True, pacer=Pacer(interval=0))
    actor = payloads.Actor(team_id=TEAM_ID, team_domain="acme-msp", user_id=ADMIN_ID, user_name="dana",
                           api_app_id=fake.app_id, token="unused-in-socket-mode")
    fields = payloads.slash_command(actor, command="/billrec", text="settings", channel_id=BILLING,
                                    channel_name="billing", trigger_id=fake.issue_trigger_id(ADMIN_ID),
                                    response_url=fake.response_url(channel=BILLING, user_id=ADMIN_ID))
    response = app.dispatch(BoltRequest(body=fields, mode="socket_mode"))
    assert response.status == 200
    fake.wait_for(lambda f: f.hooks, timeout=10)
    assert "*Settings*" in str(fake.hooks[0].body)
    background.shutdown()
