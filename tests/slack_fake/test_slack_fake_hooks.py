"""The response_url sink answers "ok", records the JSON, and changes the channel like Slack."""

from __future__ import annotations

from slack_sdk.webhook import WebhookClient

from sandbox.slack_seed import ADMIN_ID, BILLING


def test_a_post_is_recorded_and_answered_ok(fake):
    url = fake.response_url(channel=BILLING, user_id=ADMIN_ID)
    response = WebhookClient(url).send(text="Working on it…")
    assert (response.status_code, response.body) == (200, "ok")
    [hook] = fake.hooks
    assert (hook.url, hook.body, hook.status) == (url, {"text": "Working on it…"}, 200)


def test_the_default_answer_is_ephemeral(fake):
    WebhookClient(fake.response_url(channel=BILLING, user_id=ADMIN_ID)).send(text="only you")
    assert fake.messages(BILLING) == []
    assert [(e.user, e.text) for e in fake.ephemerals(BILLING)] == [(ADMIN_ID, "only you")]


def test_in_channel_answers_become_messages(fake):
    WebhookClient(fake.response_url(channel=BILLING, user_id=ADMIN_ID)).send(text="for all", response_type="in_channel")
    assert [m.text for m in fake.messages(BILLING)] == ["for all"]


def test_replace_original_replaces_the_buttons_message(fake, web):
    posted = web.chat_postMessage(channel=BILLING, text="Approve?")
    url = fake.response_url(channel=BILLING, message_ts=posted["ts"], user_id=ADMIN_ID)
    WebhookClient(url).send(text="Approved by dana", replace_original=True)
    [message] = fake.messages(BILLING)
    assert (message.ts, message.text, message.edited) == (posted["ts"], "Approved by dana", True)


def test_delete_original_removes_it(fake, web):
    posted = web.chat_postMessage(channel=BILLING, text="Approve?")
    WebhookClient(fake.response_url(channel=BILLING, message_ts=posted["ts"])).send_dict({"delete_original": True})
    assert fake.messages(BILLING) == []


def test_a_url_works_five_times(fake):
    hook = WebhookClient(fake.response_url(channel=BILLING, user_id=ADMIN_ID))
    assert [hook.send(text=str(i)).status_code for i in range(6)] == [200] * 5 + [404]


def test_a_url_expires_after_thirty_minutes(fake, clock):
    hook = WebhookClient(fake.response_url(channel=BILLING, user_id=ADMIN_ID))
    clock.advance(30 * 60 + 1)
    assert (hook.send(text="late").status_code, hook.send(text="late").body) == (404, "expired_url")


def test_invalid_blocks_are_refused(fake):
    hook = WebhookClient(fake.response_url(channel=BILLING, user_id=ADMIN_ID))
    response = hook.send(text="x", blocks=[{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}])
    assert (response.status_code, response.body) == (400, "invalid_blocks")
