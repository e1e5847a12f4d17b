"""Modals: trigger ids expire after 3 s and work once, stacks hold 3 views, hashes guard updates."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from sandbox.slack_seed import ADMIN_ID


def modal(title: str = "Connect", **fields) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Loading…"}}],
        **fields,
    }


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_open_returns_the_view_with_id_and_hash(fake, web):
    answer = web.views_open(trigger_id=fake.issue_trigger_id(ADMIN_ID), view=modal(callback_id="connect"))
    view = answer["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert (view["callback_id"], view["title"]["text"], view["root_view_id"]) == ("connect", "Connect", view["id"])
    assert [v["id"] for v in fake.open_views(ADMIN_ID)] == [view["id"]]


@pytest.mark.parametrize(("elapsed", "ok"), [(0.0, True), (3.0, True), (3.01, False)])
def test_a_trigger_is_valid_for_three_seconds(fake, web, clock, elapsed, ok):
    trigger = fake.issue_trigger_id(ADMIN_ID)
    clock.advance(elapsed)
    if ok:
        assert web.views_open(trigger_id=trigger, view=modal())["ok"]
    else:
        assert error_of(lambda: web.views_open(trigger_id=trigger, view=modal())) == "expired_trigger_id"


def test_a_trigger_works_once(fake, web):
    trigger = fake.issue_trigger_id(ADMIN_ID)
    web.views_open(trigger_id=trigger, view=modal())
    assert error_of(lambda: web.views_open(trigger_id=trigger, view=modal())) == "invalid_trigger_id"


def test_a_trigger_the_harness_never_issued_is_invalid(web):
    assert error_of(lambda: web.views_open(trigger_id="12345.98765.abcd", view=modal())) == "invalid_trigger_id"


def test_an_invalid_view_does_not_use_up_the_trigger(fake, web):
    trigger = fake.issue_trigger_id(ADMIN_ID)
    assert error_of(lambda: web.views_open(trigger_id=trigger, view=modal(title="x" * 25))) == "invalid_arguments"
    assert web.views_open(trigger_id=trigger, view=modal())["ok"]


def test_the_stack_holds_at_most_three_views(fake, web):
    root = web.views_open(trigger_id=fake.issue_trigger_id(ADMIN_ID), view=modal("One"))["view"]
    second = web.views_push(trigger_id=fake.issue_trigger_id(ADMIN_ID), view=modal("Two"))["view"]
    web.views_push(trigger_id=fake.issue_trigger_id(ADMIN_ID), view=modal("Three"))
    assert (second["previous_view_id"], second["root_view_id"]) == (root["id"], root["id"])
    fourth = fake.issue_trigger_id(ADMIN_ID)
    assert error_of(lambda: web.views_push(trigger_id=fourth, view=modal("Four"))) == "push_limit_reached"
    assert [v["title"]["text"] for v in fake.open_views(ADMIN_ID)] == ["One", "Two", "Three"]


def test_update_with_a_stale_hash_is_a_conflict(fake, web):
    opened = web.views_open(trigger_id=fake.issue_trigger_id(ADMIN_ID), view=modal())["view"]
    updated = web.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Ready"))["view"]
    assert updated["hash"] != opened["hash"]
    assert updated["id"] == opened["id"]
    assert fake.view(opened["id"])["title"]["text"] == "Ready"
    assert error_of(lambda: web.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Late"))) == (
        "hash_conflict"
    )


def test_update_finds_a_view_by_external_id(fake, web):
    web.views_open(trigger_id=fake.issue_trigger_id(ADMIN_ID), view=modal(external_id="connect-1"))
    answer = web.views_update(external_id="connect-1", view=modal("Found", external_id="connect-1"))
    assert answer["view"]["title"]["text"] == "Found"


def test_update_of_an_unknown_view_is_not_found(web):
    assert error_of(lambda: web.views_update(view_id="V404", view=modal())) == "not_found"


def test_publish_sets_the_app_home_per_user(fake, web):
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}]}
    first = web.views_publish(user_id=ADMIN_ID, view=home)["view"]
    second = web.views_publish(user_id=ADMIN_ID, view=home | {"blocks": []})["view"]
    assert second["id"] == first["id"]
    assert fake.home(ADMIN_ID)["blocks"] == []
    assert fake.home("U_TECH") is None
