"""Enterprise Grid in the fake: a workspace of an org, and an org-wide install whose one token
reaches every workspace of its org (and nothing outside it)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

CLIENT_ID, CLIENT_SECRET = "1111.2222", "fake-client-secret"
ORG, ORG_TOKEN, ORG_BOT = "E_ORG", "xoxb-E_ORG-org-bot", "W_ORG_BOT"
GRID_TEAM, GRID_TOKEN = "T_GRID", "xoxb-T_GRID-bot"


@pytest.fixture
def org(fake):
    """The org installed org-wide, one workspace of it with a billing channel, and the seeded T0001 outside."""
    fake.add_org(ORG, ORG_TOKEN, name="Umbrella Group", bot_user_id=ORG_BOT)
    fake.add_team(GRID_TEAM, GRID_TOKEN, name="Umbrella Billing", bot_user_id="U_GRID_BOT", enterprise_id=ORG)
    fake.add_channel("C_GRID", "billing", members=[ORG_BOT, "U_GRID_BOT"], team_id=GRID_TEAM)
    fake.add_channel("C_OUTSIDE", "elsewhere", members=[ORG_BOT], team_id="T0001")
    return fake


def access(fake, team_id: str) -> dict:
    anonymous = WebClient(base_url=fake.api_url, timeout=5)
    code = fake.issue_oauth_code(team_id)
    return anonymous.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code).data


def test_an_org_wide_install_names_the_org_and_no_team(org):
    answer = access(org, ORG)
    assert (answer["team"], answer["enterprise"], answer["is_enterprise_install"]) == (
        None, {"id": ORG, "name": "Umbrella Group"}, True)
    assert answer["access_token"] == ORG_TOKEN and answer["bot_user_id"] == ORG_BOT


def test_a_workspace_of_an_org_names_its_team_and_its_org(org):
    answer = access(org, GRID_TEAM)
    assert (answer["team"]["id"], answer["enterprise"], answer["is_enterprise_install"]) == (
        GRID_TEAM, {"id": ORG, "name": "Umbrella Group"}, False)


def test_auth_test_of_an_org_token_says_it_is_an_enterprise_install(org):
    answer = WebClient(token=ORG_TOKEN, base_url=org.api_url, timeout=5).auth_test()
    assert (answer["team_id"], answer["enterprise_id"], answer["is_enterprise_install"]) == (ORG, ORG, True)
    grid = WebClient(token=GRID_TOKEN, base_url=org.api_url, timeout=5).auth_test()
    assert (grid["team_id"], grid["enterprise_id"], grid["is_enterprise_install"]) == (GRID_TEAM, ORG, False)


def test_the_org_token_posts_in_its_workspaces_and_nowhere_else(org):
    web = WebClient(token=ORG_TOKEN, base_url=org.api_url, timeout=5)
    assert web.chat_postMessage(channel="C_GRID", text="hello")["ok"]
    assert [m.text for m in org.messages("C_GRID")] == ["hello"]
    with pytest.raises(SlackApiError) as refused:
        web.chat_postMessage(channel="C_OUTSIDE", text="hello")
    assert refused.value.response["error"] == "channel_not_found"
