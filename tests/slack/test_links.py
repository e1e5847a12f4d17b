"""Client-link suggestions: Approve / Reject / Choose another client / Create a client / Ignore / Undo /
Approve all, admins only, audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reconcile.tables import AuditEntry
from sandbox.slack_extra import suggest
from sandbox.slack_seed import ADMIN_ID, BILLING, TECH_ID
from tests.fakes import Scripted
from tests.slack.conftest import CLIENTS, SETUP, build_world, usage_records

# how the RMM spells the PSA's clients: one exact, one close enough to suggest, one a near-miss
RMM_NAMES = {"acme": "ACME Corporation", "blue": "Bluebird Log. - Denver", "cedar": "Cedar Dental"}


@pytest.fixture
def suggestions(services):
    build_world(services, approve=False, usage_names=RMM_NAMES)
    return {l.account_name: l for l in services.links.list("local", "suggested")}


def page(slack, user_id=ADMIN_ID):
    """`/billrec map` and the message it answered with, as a click would carry it."""
    result = slack.run("map", user_id=user_id)
    reply = result.replies[0]
    return result, {"blocks": reply["blocks"], "ts": "1.000200", "text": reply["text"]}


def block_of(message, link):
    return next(b["block_id"] for b in message["blocks"] if b.get("block_id", "").startswith(f"link:{link.id}:"))


def reported(slack, client=""):
    """What `/billrec reconcile [client]` posts into the channel, as one text."""
    before = len(slack.fake.messages(BILLING))
    slack.run(f"reconcile {client}".strip(), replies=0)
    return json.dumps([[m.text, m.blocks] for m in slack.fake.messages(BILLING)[before:]], ensure_ascii=False)


def audit(services, action):
    with services.context.sessions() as session:
        return [(e.actor, e.via, e.subject) for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def test_map_shows_each_suggestion_with_score_reason_and_its_buttons(slack, suggestions):
    result, message = page(slack, user_id=TECH_ID)  # anyone may look
    assert "*ACME Corporation* in rmm → *Acme Corp* · score 100%" in result.text
    assert "*Bluebird Log. - Denver* in rmm → *Bluebird Logistics*" in result.text and "alike" in result.text
    actions = [b for b in message["blocks"] if b["type"] == "actions" and b["block_id"].startswith("link:")]
    assert [[e["action_id"] for e in a["elements"]] for a in actions] == [
        ["link_approve", "link_reject", "link_choose", "link_create_client", "link_ignore"]] * 3
    choose = actions[0]["elements"][2]
    assert choose["type"] == "static_select" and [o["text"]["text"] for o in choose["options"]] == [
        "Acme Corp", "Bluebird Logistics", "Cedar Dental"]
    assert "Approve all 2 at ≥ 95%" in result.text


def test_an_admin_approves_a_suggestion_and_the_message_shows_who(slack, services, suggestions):
    link = suggestions["ACME Corporation"]
    _, message = page(slack)
    result = slack.click("link_approve", value=str(link.id), block_id=block_of(message, link), message=message)
    assert result.replies[0]["replace_original"] is True
    assert f":white_check_mark: Approved by <@{ADMIN_ID}>: now linked to *Acme Corp*" in result.text
    assert services.links.get("local", link.id).status == "approved"
    assert audit(services, "link.approved") == [(ADMIN_ID, "slack", "ACME Corporation")]
    assert "link_reject" in str(result.replies[0]["blocks"])  # the other suggestions keep their buttons


def test_an_admin_rejects_a_suggestion(slack, services, suggestions):
    link = suggestions["Bluebird Log. - Denver"]
    _, message = page(slack)
    result = slack.click("link_reject", value=str(link.id), block_id=block_of(message, link), message=message)
    assert f":no_entry_sign: Rejected by <@{ADMIN_ID}>" in result.text
    assert services.links.get("local", link.id).status == "rejected"
    assert audit(services, "link.rejected") == [(ADMIN_ID, "slack", "Bluebird Log. - Denver")]


def test_an_admin_chooses_another_client_from_the_select(slack, services, suggestions):
    link = suggestions["Bluebird Log. - Denver"]
    cedar = next(cid for cid, name in services.links.clients("local") if name == "Cedar Dental")
    _, message = page(slack)
    result = slack.click("link_choose", selected_option=str(cedar), block_id=block_of(message, link), message=message)
    chosen = services.links.get("local", link.id)
    assert (chosen.status, chosen.client_name, chosen.decided_by) == ("approved", "Cedar Dental", ADMIN_ID)
    assert "now linked to *Cedar Dental*" in result.text


def test_approve_all_above_95_percent_leaves_the_uncertain_ones(slack, services, suggestions):
    _, message = page(slack)
    bulk = next(b["block_id"] for b in message["blocks"] if b.get("block_id", "").startswith("links-bulk:"))
    result = slack.click("links_approve_above", block_id=bulk, message=message)
    assert f"Approved 2 suggestions scoring at least 95% — by <@{ADMIN_ID}>" in result.text
    assert {l.account_name for l in services.links.list("local", "suggested")} == {"Bluebird Log. - Denver"}


def test_an_admin_ignores_an_account_it_leaves_the_report_and_undo_brings_it_back(slack, services, suggestions):
    link = suggestions["Bluebird Log. - Denver"]
    services.links.reject("local", link.id, SETUP)  # unmapped now: it shows in the report under its own name
    assert "Bluebird Log. - Denver" in reported(slack)
    services.links.reopen("local", link.id, SETUP)
    _, message = page(slack)
    result = slack.click("link_ignore", value=str(link.id), block_id=block_of(message, link), message=message)
    assert f":see_no_evil: Ignored by <@{ADMIN_ID}>: it belongs to no client and leaves every report" in result.text
    assert audit(services, "link.ignored") == [(ADMIN_ID, "slack", "Bluebird Log. - Denver")]
    assert "Bluebird Log. - Denver" not in reported(slack)
    assert "Bluebird Log. - Denver" not in slack.run("map").text  # nor among the suggestions

    message = {"blocks": result.replies[0]["blocks"], "ts": "1.000200", "text": result.text}
    undone = slack.click("link_reopen", value=str(link.id), block_id=block_of(message, link), message=message)
    assert services.links.get("local", link.id).status == "suggested"
    assert "link_ignore" in str(undone.replies[0]["blocks"])  # decidable again
    assert audit(services, "link.reopen") == [("setup", "cli", "Bluebird Log. - Denver"),
                                              (ADMIN_ID, "slack", "Bluebird Log. - Denver")]


def test_an_admin_creates_a_client_from_an_account_no_psa_company_matches(slack, services):
    world = build_world(services, approve=False, usage_names=RMM_NAMES)
    Scripted.script = usage_records({**CLIENTS, "dun": ("Dunmore Dental", 0, 4)}, RMM_NAMES)  # an RMM-only customer
    services.syncs.run("local", world.rmm, SETUP)
    link = next(l for l in services.links.list("local", "suggested") if l.account_name == "Dunmore Dental")
    _, message = page(slack)
    result = slack.click("link_create_client", value=str(link.id), block_id=block_of(message, link),
                         message=message)
    assert f":white_check_mark: Approved by <@{ADMIN_ID}>: now linked to *Dunmore Dental*" in result.text
    assert "Dunmore Dental" in [name for _, name in services.links.clients("local")]
    assert audit(services, "client.create") == [(ADMIN_ID, "slack", "Dunmore Dental")]
    assert "Dunmore Dental" in reported(slack) and "unmapped" not in reported(slack, "dunmore")


def test_a_non_admins_click_is_refused_ephemerally_and_changes_nothing(slack, services, suggestions):
    link = suggestions["ACME Corporation"]
    _, message = page(slack, user_id=TECH_ID)
    result = slack.click("link_approve", user_id=TECH_ID, value=str(link.id), block_id=block_of(message, link),
                         message=message)
    [reply] = result.replies
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "Only billing admins may decide client links; nothing was changed" in reply["text"]
    assert services.links.get("local", link.id).status == "suggested"
    assert audit(services, "link.approved") == []


def test_with_more_than_100_clients_choosing_searches_them(slack, services):
    many = {f"c{i:03d}": (f"Client {i:03d}", 1, 1) for i in range(105)} | {"blue": ("Bluebird Logistics", 2, 2)}
    build_world(services, clients=many, approve=False, usage_names={"blue": "Bluebird Log. - Denver"})
    _, message = page(slack)
    select_ = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "link_choose")
    assert select_["type"] == "external_select"
    response = suggest(slack.driver, "link_choose", "bluebird", block_id=block_of(message, next(iter(
        services.links.list("local", "suggested")))), message=message)
    assert response.status_code == 200
    assert [o["text"]["text"] for o in response.json()["options"]] == ["Bluebird Logistics"]


@pytest.mark.parametrize(("action", "value", "message"), [
    ("link_approve", "99999999999999999999", "link number must be between 1 and 9223372036854775807"),
    ("link_reject", "²", "link number must be a whole number written with the digits 0-9, not '²'"),
])
def test_a_button_carrying_a_number_out_of_bounds_is_refused_in_words(slack, services, suggestions, action, value,
                                                                        message):
    link = suggestions["ACME Corporation"]
    _, page_message = page(slack)
    result = slack.click(action, value=value, block_id=block_of(page_message, link), message=page_message)
    assert f":warning: {message}" in result.text
    assert services.links.get("local", link.id).status == "suggested"
