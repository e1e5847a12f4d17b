"""render_channel shows a channel the way a reader sees it: blocks, threads and files."""

from __future__ import annotations

from sandbox.slack_driver import render_channel
from sandbox.slack_seed import BILLING


def test_a_summary_with_a_threaded_reply_and_csv(fake, web):
    summary = web.chat_postMessage(
        channel=BILLING,
        text="March reconciliation: 1 client differs",
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": "Reconciliation — March 2026"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme &amp; Co*: 2 checks differ (<@U_ADMIN>)"}},
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": "*Billed*\n10"}, {"type": "mrkdwn", "text": "*Actual*\n12"}],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "<https://example.test/run/7|Run 7>"}]},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}},
                    {"type": "button", "action_id": "reject", "text": {"type": "plain_text", "text": "Reject"}},
                ],
            },
        ],
    )
    web.chat_postMessage(channel=BILLING, text="Details in the CSV", thread_ts=summary["ts"])
    web.files_upload_v2(channel=BILLING, thread_ts=summary["ts"], content="a,b\n1,2\n", filename="acme.csv")
    web.chat_postMessage(channel=BILLING, text="Next: April &lt;draft&gt;")

    assert render_channel(fake, BILLING) == (
        "#billing\n"
        "\n"
        "# Reconciliation — March 2026\n"
        "*Acme & Co*: 2 checks differ (@dana)\n"
        "  *Billed* 10\n"
        "  *Actual* 12\n"
        "Run 7\n"
        "[Approve] [Reject]\n"
        "    ↳ Details in the CSV\n"
        "    ↳ 📎 acme.csv (8 bytes)\n"
        "\n"
        "Next: April <draft>\n"
    )


def test_an_empty_channel_is_just_its_name(fake):
    assert render_channel(fake, BILLING) == "#billing\n"
