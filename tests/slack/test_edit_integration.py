"""An integration's Edit button, in /billrec status and the App Home: the connect form filled in, tested,
then saved in place (issue 9, item 3), over signed requests against the fake Slack."""

from __future__ import annotations

import json

from sandbox.slack_seed import ADMIN_ID, TECH_ID
from tests.slack.conftest import submit_form

NEW_KEY = "k-rotated-7777"


def edit_buttons(blocks):
    return {b["accessory"]["value"]: b for b in blocks if (b.get("accessory") or {}).get("action_id") == "integration_edit"}


def open_edit(slack, name: str, user_id: str = ADMIN_ID):
    before = len(slack.fake.calls_to("views.open"))
    slack.driver.block_action("integration_edit", value=name, user_id=user_id)
    slack.fake.wait_for(lambda f: len(f.calls_to("views.open")) > before)
    slack.served.settle()
    return slack.fake.open_views(user_id)[-1]


submit = submit_form


def test_status_gives_admins_an_edit_button_per_integration_and_others_none(slack, world):
    admin = slack.run("status")
    assert set(edit_buttons(admin.replies[0]["blocks"])) == {"psa", "rmm"}
    member = slack.run("status", user_id=TECH_ID)
    assert edit_buttons(member.replies[0]["blocks"]) == {}


def test_edit_opens_the_form_with_its_settings_and_an_empty_secret_that_keeps_the_stored_one(slack, world):
    view = open_edit(slack, "rmm")
    assert json.loads(view["private_metadata"]) == {"kind": "scripted", "edit": "rmm"}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {"field:base_url", "field:api_key"}  # the name stays
    assert inputs["field:api_key"]["optional"] and "initial_value" not in inputs["field:api_key"]["element"]
    assert "Leave empty to keep the stored one" in json.dumps(inputs["field:api_key"])
    assert "Changing the settings of *rmm*" in json.dumps(view["blocks"])


def test_a_new_key_is_tested_then_saved_in_place_keeping_links_and_checks(slack, world, services):
    before = services.integrations.get("local", "rmm").id
    report = services.reconciler.run("local").results
    view = open_edit(slack, "rmm")
    answer = submit(slack, view, **{"field:api_key": NEW_KEY})
    assert answer["response_action"] == "update"
    slack.fake.wait_for(lambda f: "Saved" in json.dumps(f.view(view["id"])["blocks"]))
    saved = json.dumps(slack.fake.view(view["id"])["blocks"])
    assert "api_key" in saved and "accounts, links, checks and history are kept" in saved and NEW_KEY not in saved
    assert services.integrations.open("local", "rmm").settings["api_key"] == NEW_KEY
    assert services.integrations.get("local", "rmm").id == before
    assert services.reconciler.run("local").results == report


def test_a_refused_key_shows_the_vendors_error_and_keeps_the_stored_one(slack, world, services):
    view = open_edit(slack, "rmm")
    submit(slack, view, **{"field:api_key": "wrong"})
    slack.fake.wait_for(lambda f: "refused the credentials" in json.dumps(f.view(view["id"])["blocks"]))
    assert services.integrations.open("local", "rmm").settings["api_key"] == "k-rmm"


def test_an_empty_secret_keeps_the_stored_one(slack, world, services):
    view = open_edit(slack, "rmm")
    submit(slack, view, **{"field:api_key": "", "field:base_url": "http://127.0.0.1:8"})
    slack.fake.wait_for(lambda f: "Saved" in json.dumps(f.view(view["id"])["blocks"]))
    settings = services.integrations.open("local", "rmm").settings
    assert (settings["api_key"], settings["base_url"]) == ("k-rmm", "http://127.0.0.1:8")


def test_a_member_clicking_edit_is_told_in_a_modal_who_may(slack, world):
    view = open_edit(slack, "rmm", user_id=TECH_ID)
    assert "Only billing admins may change integrations" in json.dumps(view["blocks"])


def test_the_app_home_lists_integrations_with_edit_buttons(slack, world):
    slack.driver.app_home_opened(ADMIN_ID)
    home = slack.fake.wait_for(lambda f: f.home(ADMIN_ID))
    assert set(edit_buttons(home["blocks"])) == {"psa", "rmm"}
