"""Lookups over the seeded workspace, and how the fake treats unknown methods and extra params."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_seed import ADMIN_ID, BILLING, BOT_TOKEN, FINANCE, TEAM_ID


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_auth_test_names_the_bot_and_sends_the_scopes_header(web):
    answer = web.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == (TEAM_ID, "U_BOT", "B_BOT")
    assert answer.headers["x-oauth-scopes"].split(",") == [
        "commands",
        "chat:write",
        "files:write",
        "channels:read",
        "groups:read",
        "users:read",
        "users:read.email",
    ]


def test_conversations_info_reports_membership(web):
    assert web.conversations_info(channel=BILLING)["channel"]["is_member"] is True
    finance = web.conversations_info(channel=FINANCE)["channel"]
    assert (finance["is_member"], finance["is_private"]) == (False, True)
    assert error_of(lambda: web.conversations_info(channel="C404")) == "channel_not_found"


def test_conversations_members_lists_the_seeded_members(web):
    assert web.conversations_members(channel=BILLING)["members"] == ["U_ADMIN", "U_BOT", "U_TECH"]


def test_users_info_serves_seeded_users(web):
    user = web.users_info(user=ADMIN_ID)["user"]
    assert (user["name"], user["is_admin"], user["team_id"]) == ("dana", True, TEAM_ID)
    assert error_of(lambda: web.users_info(user="U404")) == "user_not_found"


def test_users_list_pages_the_seeded_people_and_lookup_by_email_finds_one(web):
    first = web.users_list(limit=2)
    rest = web.users_list(limit=2, cursor=first["response_metadata"]["next_cursor"])
    names = [m["name"] for m in first["members"] + rest["members"]]
    assert "dana" in names and "sam" in names and rest["response_metadata"]["next_cursor"] == ""
    found = web.users_lookupByEmail(email="Dana@acme-msp.example")["user"]
    assert (found["id"], found["profile"]["email"]) == (ADMIN_ID, "dana@acme-msp.example")
    assert error_of(lambda: web.users_lookupByEmail(email="nobody@acme-msp.example")) == "users_not_found"


def test_lookup_by_email_needs_its_scope(fake, web):
    fake.add_team(TEAM_ID, BOT_TOKEN, name="Acme MSP", domain="acme-msp", scopes=["users:read"])
    assert error_of(lambda: web.users_lookupByEmail(email="dana@acme-msp.example")) == "missing_scope"
    assert "email" not in web.users_info(user=ADMIN_ID)["user"]["profile"]


def test_team_info_needs_the_team_read_scope(fake, web):
    assert error_of(web.team_info) == "missing_scope"
    fake.add_team(TEAM_ID, BOT_TOKEN, name="Acme MSP", domain="acme-msp", scopes=["team:read"])
    assert web.team_info()["team"]["domain"] == "acme-msp"


def test_an_unknown_method_answers_unknown_method_with_http_200(web):
    with pytest.raises(SlackApiError) as caught:
        web.api_call("billing.reconcile")
    assert (caught.value.response.status_code, caught.value.response["error"]) == (200, "unknown_method")


def test_extra_params_such_as_team_id_are_tolerated(fake):
    # Bolt's per-listener client sends team_id with every call.
    web = WebClient(token=BOT_TOKEN, base_url=fake.api_url, team_id=TEAM_ID, timeout=5)
    web.chat_postMessage(channel=BILLING, text="hi", unfurl_links=False)
    assert fake.calls_to("chat.postMessage")[0].body["team_id"] == TEAM_ID


def test_form_encoded_calls_work_like_json_ones(fake, web):
    blocks = '[{"type": "section", "text": {"type": "mrkdwn", "text": "form"}}]'
    web.api_call("chat.postMessage", data={"channel": BILLING, "text": "form", "blocks": blocks})
    [message] = fake.messages(BILLING)
    assert message.blocks[0]["text"]["text"] == "form"
    assert fake.calls[-1].headers["content-type"] == "application/x-www-form-urlencoded"


def test_every_call_is_recorded_with_headers_and_body(fake, web):
    web.chat_postMessage(channel=BILLING, text="hi")
    [call] = fake.calls_to("chat.postMessage")
    assert (call.method, call.status, call.body["text"]) == ("chat.postMessage", 200, "hi")
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.response["ok"] is True
