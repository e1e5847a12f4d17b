"""Messages, threads and file uploads land where Slack would put them, or fail as Slack would."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from sandbox.slack_seed import ADMIN_ID, BILLING, FINANCE, GENERAL, TECH_ID

CSV = "client,metric,billed,actual\nAcme & Co,devices,10,12\n"


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_summary_reply_and_csv_land_in_one_thread_with_the_exact_bytes(fake, web):
    summary = web.chat_postMessage(channel=BILLING, text="March: 1 client differs")
    reply = web.chat_postMessage(channel=BILLING, text="Acme & Co: +2 devices", thread_ts=summary["ts"])
    upload = web.files_upload_v2(
        channel=BILLING, thread_ts=summary["ts"], content=CSV, filename="march.csv", title="March"
    )

    assert [(m.text, m.thread_ts) for m in fake.messages(BILLING)] == [
        ("March: 1 client differs", None),
        ("Acme & Co: +2 devices", summary["ts"]),
    ]
    assert fake.thread(BILLING, summary["ts"]) == [fake.messages(BILLING)[1]]
    [shared] = fake.files(BILLING)
    assert (shared.content, shared.filename, shared.title, shared.thread_ts) == (
        CSV.encode(),
        "march.csv",
        "March",
        summary["ts"],
    )
    assert upload["file"]["id"] == shared.id
    assert float(summary["ts"]) < float(reply["ts"])


def test_post_answers_channel_ts_and_message(web):
    answer = web.chat_postMessage(channel=BILLING, text="hi")
    assert answer["channel"] == BILLING
    assert answer["message"]["text"] == "hi"
    assert answer["message"]["ts"] == answer["ts"]


def test_message_ts_increase_even_on_a_frozen_clock(web):
    stamps = [web.chat_postMessage(channel=BILLING, text=str(i))["ts"] for i in range(3)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 3
    assert stamps[0] == "1764240000.000000"


def test_a_reply_to_a_reply_is_refused(web):
    parent = web.chat_postMessage(channel=BILLING, text="parent")
    reply = web.chat_postMessage(channel=BILLING, text="reply", thread_ts=parent["ts"])
    assert error_of(lambda: web.chat_postMessage(channel=BILLING, text="x", thread_ts=reply["ts"])) == (
        "invalid_thread_ts"
    )
    assert (
        error_of(lambda: web.files_upload_v2(channel=BILLING, thread_ts=reply["ts"], content="a", filename="a.csv"))
        == "invalid_thread_ts"
    )


def test_a_thread_ts_naming_no_message_is_refused(web):
    assert error_of(lambda: web.chat_postMessage(channel=BILLING, text="x", thread_ts="1.000001")) == (
        "thread_not_found"
    )


def test_a_message_needs_text_or_blocks(web):
    # api_call directly: chat_postMessage itself would already warn (an error in these tests)
    assert error_of(lambda: web.api_call("chat.postMessage", json={"channel": BILLING, "text": ""})) == "no_text"


@pytest.mark.parametrize(
    ("channel", "error"),
    [(GENERAL, "not_in_channel"), (FINANCE, "not_in_channel"), ("C_NOPE", "channel_not_found")],
)
def test_posting_where_the_bot_is_not_a_member_fails(web, channel, error):
    assert error_of(lambda: web.chat_postMessage(channel=channel, text="hi")) == error


def test_chat_write_public_allows_public_channels_only(fake, web):
    fake.add_team(
        "T0001",
        "xoxb-T0001-fake-bot-token",
        bot_user_id="U_BOT",
        scopes=["chat:write", "chat:write.public", "files:write"],
    )
    web.chat_postMessage(channel=GENERAL, text="hi")
    assert error_of(lambda: web.chat_postMessage(channel=FINANCE, text="hi")) == "not_in_channel"
    assert error_of(lambda: web.files_upload_v2(channel=GENERAL, content="a", filename="a.csv")) == (
        "not_in_channel"
    )
    assert [m.text for m in fake.messages(GENERAL)] == ["hi"]


def test_archived_channel_refuses_posts(fake, web):
    fake.add_channel("C_OLD", "old", members=["U_BOT"], is_archived=True)
    assert error_of(lambda: web.chat_postMessage(channel="C_OLD", text="hi")) == "is_archived"


def test_update_replaces_text_and_keeps_the_ts(fake, web):
    posted = web.chat_postMessage(
        channel=BILLING, text="pending", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "pending"}}]
    )
    web.chat_update(channel=BILLING, ts=posted["ts"], text="approved", blocks=[])
    [message] = fake.messages(BILLING)
    assert (message.ts, message.text, message.blocks, message.edited) == (posted["ts"], "approved", [], True)


def test_update_of_an_unknown_message_fails(web):
    assert error_of(lambda: web.chat_update(channel=BILLING, ts="1.000001", text="x")) == "message_not_found"


def test_ephemeral_needs_a_member_user(fake, web):
    answer = web.chat_postEphemeral(channel=BILLING, user=ADMIN_ID, text="only you")
    assert answer["message_ts"]
    assert [(e.user, e.text) for e in fake.ephemerals(BILLING)] == [(ADMIN_ID, "only you")]
    fake.add_channel("C_SMALL", "small", members=["U_BOT", ADMIN_ID])
    assert error_of(lambda: web.chat_postEphemeral(channel="C_SMALL", user=TECH_ID, text="x")) == (
        "user_not_in_channel"
    )


def test_upload_length_must_match_what_was_announced(fake, web):
    import urllib.request

    announced = web.files_getUploadURLExternal(filename="a.csv", length=5)
    request = urllib.request.Request(announced["upload_url"], data=b"abc", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400
    assert (
        error_of(lambda: web.files_completeUploadExternal(files=[{"id": announced["file_id"]}], channel_id=BILLING))
        == "file_not_found"
    )


def test_get_upload_url_requires_filename_and_length(web):
    assert error_of(lambda: web.api_call("files.getUploadURLExternal", params={"filename": "a.csv"})) == (
        "invalid_arguments"
    )


def test_a_file_can_only_be_completed_once(web):
    upload = web.files_upload_v2(channel=BILLING, content="x", filename="x.csv")
    assert (
        error_of(lambda: web.files_completeUploadExternal(files=[{"id": upload["file"]["id"]}], channel_id=BILLING))
        == "file_not_found"
    )


def test_missing_text_with_blocks_is_a_test_error(web):
    with pytest.raises(UserWarning):
        web.chat_postMessage(channel=BILLING, blocks=[{"type": "divider"}])
