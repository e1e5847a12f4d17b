"""The connect modal: pick a kind, read its guidance, fill its fields, test, store only on success."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

import connectors
from bot.commands.connect import read_form
from bot.views import limits
from bot.views.connect import form_view
from bot.views.format import escape
from reconcile.audit import Actor
from reconcile.tables import AuditEntry
from sandbox import slack_limits
from sandbox.slack_seed import ADMIN_ID, TECH_ID
from tests.fakes import Scripted
from tests.slack.conftest import submit_form

KEY = "k-secret-4242"


@pytest.fixture
def modal(slack, services):
    """The connect modal opened by an admin, with the Scripted RMM chosen."""
    services.context.registry["scripted"] = Scripted
    slack.run("connect", replies=0)
    [view] = slack.fake.open_views(ADMIN_ID)
    assert view["callback_id"] == "connect_pick" and view["submit"] is None
    slack.driver.block_action("connect_kind", view=view["id"], selected_option="scripted")
    slack.fake.wait_for("views.update")
    return slack.fake.view(view["id"])


def text_of(view):
    return json.dumps(view["blocks"], ensure_ascii=False)


submit = submit_form


def test_choosing_a_kind_shows_its_least_privilege_guidance_and_fields(slack, modal):
    update = slack.fake.calls_to("views.update")[0]
    assert update.body["hash"]  # the update names the hash it saw, so a race is a hash_conflict
    shown = text_of(modal)
    for words in ("*Reads:* devices", "*Why:* to count them", "*Never reads:* anything else", "*Writes back:* Never.",
                  "*How to disconnect:* `/billrec disconnect NAME`", "Then revoke the key: delete the key in its console.",
                  "*Recommended permission level:* read-only"):
        assert words in shown
    inputs = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert set(inputs) == {"name", "field:base_url", "field:api_key"}
    assert inputs["field:base_url"]["initial_value"] == "http://127.0.0.1:9"  # the declared default
    assert "initial_value" not in inputs["field:api_key"]
    assert json.loads(modal["private_metadata"]) == {"kind": "scripted"}


def test_bad_input_is_flagged_next_to_the_field_and_nothing_is_stored(slack, services, modal):
    answer = submit(slack, modal, name="no spaces allowed", **{"field:base_url": "ftp://x", "field:api_key": ""})
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"name", "field:base_url", "field:api_key"}
    assert "API key is required" in answer["errors"]["field:api_key"]
    assert services.integrations.list("local") == []


def test_a_passing_test_stores_the_integration_and_says_so_without_echoing_the_secret(slack, services, modal):
    answer = submit(slack, modal, name="rmm", **{"field:api_key": KEY})
    assert answer["response_action"] == "update" and "Testing the connection" in json.dumps(answer["view"])
    slack.fake.wait_for(lambda f: "Connected" in text_of(f.view(modal["id"])))
    [info] = services.integrations.list("local")
    assert (info.name, info.kind, info.status) == ("rmm", "scripted", "connected")
    assert services.integrations.open("local", "rmm").settings["api_key"] == KEY
    later = [c for c in slack.fake.calls if c.method in ("views.update", "chat.postMessage", "chat.postEphemeral")]
    assert KEY not in json.dumps([c.body for c in later]) and KEY not in json.dumps(answer)


def test_a_vendor_refusal_shows_the_vendors_error_in_the_form_and_stores_nothing(slack, services, modal):
    submit(slack, modal, name="rmm", **{"field:api_key": "wrong"})
    view = slack.fake.wait_for(lambda f: "refused the credentials" in text_of(f.view(modal["id"])) and
                               f.view(modal["id"]))
    assert "Scripted RMM: GET /me answered 401" in text_of(view)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["name"]["initial_value"] == "rmm" and "initial_value" not in inputs["field:api_key"]
    assert view["callback_id"] == "connect_submit"  # the form again, to correct and resubmit
    assert services.integrations.list("local") == []


def test_a_name_already_connected_is_flagged_inline(slack, services, modal):
    services.integrations.connect("local", "scripted", "rmm", {"api_key": "x"}, Actor("dana", "cli"))
    answer = submit(slack, modal, name="rmm", **{"field:api_key": KEY})
    assert "already connected" in answer["errors"]["name"]


def test_only_billing_admins_may_open_the_connect_modal(slack):
    result = slack.run("connect", user_id=TECH_ID)
    assert "Only billing admins may connect integrations" in result.text
    assert slack.fake.calls_to("views.open") == []


def test_connect_with_a_kind_opens_its_form_directly(slack, services):
    services.context.registry["scripted"] = Scripted
    slack.run("connect scripted", replies=0)
    [view] = slack.fake.open_views(ADMIN_ID)
    assert view["callback_id"] == "connect_submit" and "*Reads:* devices" in text_of(view)


def test_the_connect_is_audited_with_the_slack_user(slack, services, modal):
    submit(slack, modal, name="rmm", **{"field:api_key": KEY})
    slack.fake.wait_for(lambda f: "Connected" in text_of(f.view(modal["id"])))
    with services.context.sessions() as session:
        entries = [(e.actor, e.via, e.subject) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "integration.connect"))]
    assert entries == [(ADMIN_ID, "slack", "rmm")]


@pytest.mark.parametrize("kind", sorted(connectors.REGISTRY))
def test_every_connectors_form_is_a_valid_modal_with_its_guidance(kind):
    cls = connectors.REGISTRY[kind]
    view = form_view(kind, cls, connectors.REGISTRY)
    assert slack_limits.view_problems(view) == []
    [guidance] = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "least privilege" in
                  b["text"]["text"]]
    for label, _, fact in cls.guidance.facts():  # all six, whole: a cut would hide the last ones
        assert f"*{label}:* {escape(fact)}" in guidance
    assert len(guidance) <= limits.SECTION_BUDGET
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    for field in cls.fields:
        element = inputs[f"field:{field.name}"]
        if field.secret:
            assert "initial_value" not in element
        elif field.choices:
            assert element["type"] == "static_select" and f"field:{field.name}:other" in inputs
        elif field.default:
            assert element["initial_value"] == field.default


def test_a_typed_other_url_wins_over_the_region_choice_and_must_be_http():
    cls = connectors.REGISTRY["ninjaone"]
    chosen = {"name": {"value": {"value": "ninja"}},
              "field:base_url": {"value": {"selected_option": {"value": cls.fields[0].choices[1][0]}}},
              "field:base_url:other": {"value": {"value": ""}}}
    secrets = {f"field:{f.name}": {"value": {"value": "x"}} for f in cls.fields if f.name != "base_url"}
    name, settings, errors = read_form(cls, chosen | secrets, taken=set())
    assert (name, settings["base_url"], errors) == ("ninja", cls.fields[0].choices[1][0], {})
    typed = chosen | secrets | {"field:base_url:other": {"value": {"value": "https://ninja.internal.example"}}}
    assert read_form(cls, typed, taken=set())[1]["base_url"] == "https://ninja.internal.example"
    bad = chosen | secrets | {"field:base_url:other": {"value": {"value": "ninja.internal.example"}}}
    assert read_form(cls, bad, taken=set())[2] == {"field:base_url:other": "Must start with https://"}
