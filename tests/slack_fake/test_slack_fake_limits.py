"""Each Block Kit limit: a message exactly at the limit passes, one past it fails like Slack.

Plain dicts on purpose: slack_sdk checks its model classes, never dicts, so these limits are
only caught here (or in a real workspace).
"""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from sandbox.slack_seed import ADMIN_ID, BILLING


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(text)}


def button(text: str = "Go", value: str = "v", action_id: str = "go") -> dict:
    return {"type": "button", "text": plain(text), "value": value, "action_id": action_id}


def actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)}


def select(options: list[tuple[str, str]]) -> dict:
    return {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": plain("Choose…"),
        "options": [{"text": plain(text), "value": value} for text, value in options],
    }


MESSAGE_LIMITS = {
    "blocks per message": (50, lambda n: [{"type": "divider"}] * n),
    "section text": (3000, lambda n: [section("x" * n)]),
    "section fields": (10, lambda n: [{"type": "section", "fields": [mrkdwn("f")] * n}]),
    "field text": (2000, lambda n: [{"type": "section", "fields": [mrkdwn("x" * n)]}]),
    "header text": (150, lambda n: [{"type": "header", "text": plain("x" * n)}]),
    "button text": (75, lambda n: [actions(button(text="x" * n))]),
    "button value": (2000, lambda n: [actions(button(value="x" * n))]),
    "action_id": (255, lambda n: [actions(button(action_id="x" * n))]),
    "block_id": (255, lambda n: [{"type": "divider", "block_id": "x" * n}]),
    "actions elements": (25, lambda n: [actions(*[button(action_id=f"b{i}") for i in range(n)])]),
    "context elements": (10, lambda n: [{"type": "context", "elements": [mrkdwn("c")] * n}]),
    "option text": (75, lambda n: [actions(select([("x" * n, "v")]))]),
    "option value": (150, lambda n: [actions(select([("o", "x" * n)]))]),
    "static_select options": (100, lambda n: [actions(select([("o", f"v{i}") for i in range(n)]))]),
}


def post(web, blocks=None, text="fallback"):
    return web.chat_postMessage(channel=BILLING, text=text, blocks=blocks)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


@pytest.mark.parametrize("name", MESSAGE_LIMITS)
def test_a_message_at_the_limit_passes(web, name):
    limit, blocks_of = MESSAGE_LIMITS[name]
    assert post(web, blocks_of(limit))["ok"]


@pytest.mark.parametrize("name", MESSAGE_LIMITS)
def test_a_message_past_the_limit_is_invalid_blocks(fake, web, name):
    limit, blocks_of = MESSAGE_LIMITS[name]
    assert error_of(lambda: post(web, blocks_of(limit + 1))) == "invalid_blocks"
    assert fake.messages(BILLING) == []


def test_invalid_blocks_names_the_place_like_slack(web):
    with pytest.raises(SlackApiError) as caught:
        post(web, [section("x" * 3001)])
    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_text_above_40000_characters_is_msg_too_long(web):
    assert post(web, text="x" * 40_000)["ok"]
    assert error_of(lambda: post(web, text="x" * 40_001)) == "msg_too_long"


def test_block_text_above_12000_characters_in_total_is_msg_blocks_too_long(web):
    four_full_sections = [section("x" * 3000)] * 4
    assert post(web, four_full_sections)["ok"]
    one_more = [*four_full_sections, {"type": "context", "elements": [mrkdwn("x")]}]
    assert error_of(lambda: post(web, one_more)) == "msg_blocks_too_long"


def test_a_duplicate_block_id_is_invalid(web):
    blocks = [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}]
    assert error_of(lambda: post(web, blocks)) == "invalid_blocks"


def test_chat_update_checks_the_same_limits(web):
    posted = post(web)
    assert error_of(lambda: web.chat_update(channel=BILLING, ts=posted["ts"], text="t", blocks=[section("")])) == (
        "invalid_blocks"
    )


def modal(blocks=None, **fields) -> dict:
    view = {"type": "modal", "title": plain("Connect"), "submit": plain("Save"), "close": plain("Cancel")}
    view["blocks"] = blocks if blocks is not None else [section("hi")]
    for key in ("title", "submit", "close"):
        if key in fields:
            view[key] = plain(fields.pop(key))
    return view | fields


MODAL_LIMITS = {
    "blocks per modal": (100, lambda n: modal([{"type": "divider"}] * n)),
    "title": (24, lambda n: modal(title="x" * n)),
    "submit": (24, lambda n: modal(submit="x" * n)),
    "close": (24, lambda n: modal(close="x" * n)),
    "private_metadata": (3000, lambda n: modal(private_metadata="x" * n)),
    "callback_id": (255, lambda n: modal(callback_id="x" * n)),
}


@pytest.mark.parametrize("name", MODAL_LIMITS)
def test_a_modal_at_the_limit_opens(fake, web, name):
    limit, view_of = MODAL_LIMITS[name]
    assert web.views_open(trigger_id=fake.issue_trigger_id(ADMIN_ID), view=view_of(limit))["ok"]


@pytest.mark.parametrize("name", MODAL_LIMITS)
def test_a_modal_past_the_limit_is_invalid_arguments(fake, web, name):
    limit, view_of = MODAL_LIMITS[name]
    trigger = fake.issue_trigger_id(ADMIN_ID)
    assert error_of(lambda: web.views_open(trigger_id=trigger, view=view_of(limit + 1))) == "invalid_arguments"
