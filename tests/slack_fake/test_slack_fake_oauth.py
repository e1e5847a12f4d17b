"""OAuth grants and token checks: codes and refresh tokens work once, tokens expire on the clock."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator

from sandbox.slack_seed import BILLING, BOT_TOKEN, TEAM_ID

CLIENT_ID, CLIENT_SECRET = "1111.2222", "fake-client-secret"


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


@pytest.fixture
def anonymous(fake) -> WebClient:
    return WebClient(base_url=fake.api_url, timeout=5)


def test_a_code_grant_returns_the_install_like_slack(fake, anonymous):
    code = fake.issue_oauth_code(TEAM_ID, "U_ADMIN", redirect_uri="https://example.test/slack/oauth_redirect")
    answer = anonymous.oauth_v2_access(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        code=code,
        redirect_uri="https://example.test/slack/oauth_redirect",
    )
    assert (answer["access_token"], answer["token_type"], answer["team"]["id"]) == (BOT_TOKEN, "bot", TEAM_ID)
    assert (answer["bot_user_id"], answer["authed_user"]["id"], answer["app_id"]) == ("U_BOT", "U_ADMIN", fake.app_id)
    assert "chat:write" in answer["scope"].split(",")
    assert "refresh_token" not in answer.data
    [call] = fake.calls_to("oauth.v2.access")
    assert call.headers["authorization"].startswith("Basic ")


def test_a_code_works_once(fake, anonymous):
    code = fake.issue_oauth_code(TEAM_ID)
    anonymous.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
    assert error_of(lambda: anonymous.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)) == (
        "invalid_code"
    )


def test_a_wrong_client_secret_is_refused(fake, anonymous):
    code = fake.issue_oauth_code(TEAM_ID)
    assert error_of(lambda: anonymous.oauth_v2_access(client_id=CLIENT_ID, client_secret="nope", code=code)) == (
        "bad_client_secret"
    )


def test_rotation_issues_expiring_tokens_and_single_use_refresh_tokens(fake, anonymous, clock):
    fake.set_app(token_rotation=True)
    code = fake.issue_oauth_code(TEAM_ID)
    installed = anonymous.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
    assert installed["access_token"].startswith("xoxe.xoxb-")
    assert installed["expires_in"] == 43_200

    refreshed = anonymous.oauth_v2_access(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        grant_type="refresh_token",
        refresh_token=installed["refresh_token"],
    )
    assert refreshed["access_token"] != installed["access_token"]
    assert refreshed["refresh_token"] != installed["refresh_token"]
    assert (
        error_of(
            lambda: anonymous.oauth_v2_access(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                grant_type="refresh_token",
                refresh_token=installed["refresh_token"],
            )
        )
        == "invalid_refresh_token"
    )

    refreshed_web = WebClient(token=refreshed["access_token"], base_url=fake.api_url, timeout=5)
    assert refreshed_web.chat_postMessage(channel=BILLING, text="fresh")["ok"]
    clock.advance(43_200)
    assert error_of(lambda: refreshed_web.chat_postMessage(channel=BILLING, text="late")) == "token_expired"


def test_slack_sdks_token_rotator_works_against_the_fake(fake, anonymous, clock):
    fake.set_app(token_rotation=True)
    installed = anonymous.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=fake.issue_oauth_code(TEAM_ID)
    )
    bot = Bot(
        team_id=TEAM_ID,
        bot_token=installed["access_token"],
        bot_refresh_token=installed["refresh_token"],
        bot_token_expires_at=int(clock()) + 60,
        bot_id="B_BOT",
        bot_user_id="U_BOT",
        installed_at=clock(),
    )
    rotator = TokenRotator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=anonymous)
    rotated = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=120)
    assert rotated is not None
    assert rotated.bot_token not in (None, installed["access_token"])


@pytest.mark.parametrize(
    ("token", "error"),
    [("xoxb-unknown", "invalid_auth"), ("not-a-slack-token", "invalid_auth"), (None, "not_authed")],
)
def test_a_bad_or_missing_token_is_refused(fake, token, error):
    web = WebClient(token=token, base_url=fake.api_url, timeout=5)
    assert error_of(web.auth_test) == error


def test_revoked_tokens_answer_token_revoked(fake, web):
    fake.revoke_tokens(TEAM_ID)
    assert error_of(web.auth_test) == "token_revoked"
