"""The review loop in the report thread (issue 15, item 4), over signed requests against the fake Slack.

`/billrec reconcile` posts the report; each under- or over-licensed client in its thread carries
Acknowledge / Billing fixed / Not billable. A click opens a modal, its submission decides, and the
clicked message is replaced in place (chat.update) with a line naming who decided.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from reconcile.tables import AuditEntry
from sandbox.slack import FakeSlack
from sandbox.slack_seed import ADMIN_ID, BILLING, BOT_TOKEN, BOT_USER_ID, TEAM_ID, TECH_ID
from sandbox.slack_state import DEFAULT_SCOPES
from tests.fakes import ScriptedBilling
from tests.slack.conftest import CLIENTS, SETUP, billing_records

CHECK = "Managed workstations"
HISTORY = ("channels:history", "groups:history")  # the manifest asks for them: a decision reads its message back


@pytest.fixture
def fake(fake: FakeSlack) -> FakeSlack:
    """The seeded workspace, its bot granted the manifest's history scopes (unless a test takes them away)."""
    fake.add_team(TEAM_ID, BOT_TOKEN, name="Acme MSP", domain="acme-msp", bot_user_id=BOT_USER_ID,
                  scopes=(*DEFAULT_SCOPES, *HISTORY))
    return fake


def thread_part(slack) -> Any:
    """The report's first details message (the one with the clients' buttons)."""
    slack.run("reconcile", replies=0)
    slack.fake.wait_for(lambda f: any(m.thread_ts for m in f.messages(BILLING)), timeout=20)
    return [m for m in slack.fake.messages(BILLING) if m.thread_ts and m.thread_ts != m.ts and m.blocks][0]


def buttons(message, services) -> dict[str, dict[str, Any]]:
    """Client name → its actions block (its block id names the client by id)."""
    names = {f"review:{c}": n for c, n in services.links.clients("local")}
    return {names[b["block_id"]]: b for b in message.blocks
            if b["type"] == "actions" and b["block_id"].startswith("review:")}


def open_modal(slack, services, message, action_id: str, client: str, user_id: str = ADMIN_ID, replies: int = 0):
    block = buttons(message, services)[client]
    [element] = [e for e in block["elements"] if e["action_id"] == action_id]
    before = len(slack.fake.calls_to("views.open"))
    result = slack.click(action_id, user_id=user_id, message=message, block_id=block["block_id"],
                         value=element["value"], replies=replies)
    if replies:
        return result
    slack.fake.wait_for(lambda f: len(f.calls_to("views.open")) > before, timeout=20)
    return slack.fake.open_views(user_id)[-1]


def submit(slack, view, values: dict[str, Any], user_id: str = ADMIN_ID) -> dict:
    """Submit `view` with `values`; its check select keeps the option it opened with, as Slack's state does."""
    [check] = [b for b in view["blocks"] if b.get("block_id") == "review_check"] or [None]
    if check is not None:
        values = {"review_check": {"review_check": check["element"]["initial_option"]["value"]}, **values}
    response = slack.driver.view_submission(view["callback_id"], values, view_id=view["id"], user_id=user_id)
    assert response.status_code == 200
    slack.served.settle()
    return response.json() if response.content else {}


def updates(slack) -> list[dict[str, Any]]:
    out = []
    for call in slack.fake.calls_to("chat.update"):
        blocks = call.body.get("blocks")
        out.append({**call.body, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks})
    return out


def decided_lines(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for b in blocks if str(b.get("block_id", "")).startswith("review_decided:")
            for e in b["elements"]]


def actions(services, action: str) -> list[AuditEntry]:
    with services.context.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def day(services, days: int) -> dict[str, str]:
    return {"type": "datepicker", "selected_date": (services.context.clock() + timedelta(days=days)).date().isoformat()}


def test_under_and_over_licensed_clients_carry_the_three_buttons_and_matched_ones_none(slack, world, services):
    found = buttons(thread_part(slack), services)
    assert set(found) == {"Acme Corp", "Bluebird Logistics"}  # Cedar matched: listed by name, no buttons
    assert [e["text"]["text"] for e in found["Acme Corp"]["elements"]] == ["Acknowledge", "Billing fixed",
                                                                           "Not billable"]


def test_acknowledge_opens_a_modal_whose_submission_updates_the_message_naming_who_decided(slack, world, services):
    message = thread_part(slack)
    view = open_modal(slack, services, message, "review_ack", "Acme Corp")
    assert view["title"]["text"] == "Acknowledge"
    answer = submit(slack, view, {"review_reason": {"value": "loaner laptops"},
                                  "review_until": {"review_until": day(services, 30)}})
    assert answer["response_action"] == "update"  # at once: deciding may take longer than Slack waits
    assert "Recording your decision" in str(answer["view"]["blocks"])
    [shown_after] = slack.fake.open_views(ADMIN_ID)
    assert "Recorded." in str(shown_after["blocks"]) and "Acknowledged" in str(shown_after["blocks"])
    [update] = updates(slack)
    assert update["ts"] == message.ts and update["channel"] == BILLING
    [line] = decided_lines(update["blocks"])
    assert f"*Acknowledged* by <@{ADMIN_ID}> · Managed workstations: loaner laptops (until " in line
    assert [m for m in slack.fake.messages(BILLING) if m.ts == message.ts][0].edited
    [exception] = services.exceptions.list("local")
    assert (exception.client, exception.reason, exception.created_by) == ("Acme Corp", "loaner laptops", ADMIN_ID)
    assert [a.subject for a in actions(services, "exception.add")] == ["Acme Corp / Managed workstations"]
    acme = [r for r in services.reconciler.run("local").results if r.client == "Acme Corp"][0]
    assert acme.status.value == "excepted"


def test_acknowledge_without_an_end_is_refused_beside_the_field_and_writes_nothing(slack, world, services):
    view = open_modal(slack, services, thread_part(slack), "review_ack", "Acme Corp")
    answer = submit(slack, view, {"review_reason": {"value": "loaner laptops"}})
    assert answer["response_action"] == "errors" and "review_until" in answer["errors"]
    assert services.exceptions.list("local") == [] and updates(slack) == []


def test_billing_fixed_shows_fix_pending_then_resolved_when_a_sync_shows_the_bill_corrected(slack, world, services,
                                                                                          clock):
    message = thread_part(slack)
    view = open_modal(slack, services, message, "review_fixed", "Acme Corp")
    submit(slack, view, {"review_due": {"review_due": day(services, 20)}, "review_note": {"value": "invoice 1042"}})
    [line] = decided_lines(updates(slack)[0]["blocks"])
    assert f"*Billing fixed* by <@{ADMIN_ID}> · Managed workstations: corrected invoice due" in line
    assert "*fix pending*" in line
    assert [a.detail["billed"] for a in actions(services, "review.fixed")] == ["10"]

    clock.advance(minutes=10)  # the state survives a sync that does not change the bill
    assert services.syncs.run("local", world.rmm, SETUP).ok and services.syncs.run("local", world.psa, SETUP).ok
    assert "fix pending" in flat_report(slack)

    ScriptedBilling.script = billing_records({**CLIENTS, "acme": ("Acme Corp", 13, 13)})
    clock.advance(minutes=10)
    assert services.syncs.run("local", world.psa, SETUP).ok
    [fix] = services.reviews.fixes("local", include_closed=True)
    assert (fix.state, fix.recovered) == ("resolved", Decimal(150))
    acme = [r for r in services.reconciler.run("local").results if r.client == "Acme Corp"][0]
    assert (acme.status.value, acme.review) == ("matched", "resolved")
    assert "Acme Corp" not in buttons_of_report(slack, services)  # nothing left to decide about Acme
    assert [a.actor for a in actions(services, "review.resolved")] == ["scheduler"]


def test_a_fix_that_did_not_arrive_by_its_day_reopens_as_still_open(slack, world, services, clock):
    view = open_modal(slack, services, thread_part(slack), "review_fixed", "Bluebird Logistics")
    submit(slack, view, {"review_due": {"review_due": day(services, 2)}})
    clock.advance(days=3)
    assert services.syncs.run("local", world.psa, SETUP).ok and services.syncs.run("local", world.rmm, SETUP).ok
    [fix] = services.reviews.fixes("local")
    assert fix.state == "reopened"
    assert "Managed workstations: billed 25, actual 21 → *-4* over-licensed · -$200.00/mo · *still open*" in \
        flat_report(slack)


def test_not_billable_picks_an_asset_and_the_actual_drops_in_that_check_for_good(slack, world, services, clock):
    view = open_modal(slack, services, thread_part(slack), "review_not_billable", "Acme Corp")
    [select_block] = [b for b in view["blocks"] if b.get("block_id") == "review_what"]
    options = {o["text"]["text"]: o["value"] for o in select_block["element"]["options"]}
    assert "all of rmm account Acme Corp" in options and "PC-acme-12 (devices:workstation)" in options
    submit(slack, view, {"review_what": {"review_what": {
        "type": "static_select", "selected_option": {"value": options["PC-acme-12 (devices:workstation)"],
                                                     "text": {"type": "plain_text", "text": "PC-acme-12"}}}},
        "review_reason": {"value": "the MSP's own lab machine"}})
    [line] = decided_lines(updates(slack)[0]["blocks"])
    assert f"*Not billable* by <@{ADMIN_ID}> · Managed workstations: PC-acme-12 (rmm · Acme Corp) no longer counts" \
        in line
    clock.advance(minutes=10)
    assert services.syncs.run("local", world.rmm, SETUP).ok
    acme = [r for r in services.reconciler.run("local").results if r.client == "Acme Corp"][0]
    assert (acme.actual, acme.variance) == (Decimal(12), Decimal(2))
    assert [a.detail["reason"] for a in actions(services, "review.not_billable")] == ["the MSP's own lab machine"]


def test_two_decisions_on_one_message_both_stay_named(slack, world, services):
    message = thread_part(slack)
    submit(slack, open_modal(slack, services, message, "review_ack", "Acme Corp"),
           {"review_reason": {"value": "loaners"}, "review_forever": {"review_forever": {
               "type": "checkboxes", "selected_options": [{"value": "forever"}]}}})
    submit(slack, open_modal(slack, services, message, "review_fixed", "Bluebird Logistics"),
           {"review_due": {"review_due": day(services, 20)}})
    final = updates(slack)[-1]["blocks"]
    lines = decided_lines(final)
    assert len(lines) == 2 and "Acknowledged" in lines[0] and "Billing fixed" in lines[1]
    assert "(until revoked)" in lines[0]
    assert len(final) <= 50


def test_a_message_that_cannot_be_read_back_keeps_the_decision_and_tells_the_decider(slack, world, services):
    slack.fake.add_team(TEAM_ID, BOT_TOKEN, name="Acme MSP", domain="acme-msp", bot_user_id=BOT_USER_ID,
                        scopes=DEFAULT_SCOPES)  # installed before the history scopes were asked for
    view = open_modal(slack, services, thread_part(slack), "review_fixed", "Acme Corp")
    submit(slack, view, {"review_due": {"review_due": day(services, 20)}})
    assert updates(slack) == [] and [f.state for f in services.reviews.fixes("local")] == ["pending"]
    [told] = slack.fake.ephemerals(BILLING)
    assert told.user == ADMIN_ID and "Your decision is recorded, but I could not update the message" in told.text
    assert "missing_scope" in told.text


def test_a_refused_decision_says_why_in_the_modal_and_writes_nothing(slack, world, services):
    message = thread_part(slack)
    submit(slack, open_modal(slack, services, message, "review_fixed", "Acme Corp"),
           {"review_due": {"review_due": day(services, 20)}})
    slack.fake.close_views(ADMIN_ID)
    submit(slack, open_modal(slack, services, message, "review_fixed", "Acme Corp"),
           {"review_due": {"review_due": day(services, 25)}})
    [shown_after] = slack.fake.open_views(ADMIN_ID)
    assert "already has a billing fix pending on Managed workstations" in str(shown_after["blocks"])
    assert "Nothing was changed" in str(shown_after["blocks"])
    assert len(services.reviews.fixes("local")) == 1 and len(updates(slack)) == 1


@pytest.mark.parametrize("action_id", ["review_ack", "review_fixed", "review_not_billable"])
def test_a_non_admin_is_refused_and_nothing_opens(slack, world, services, action_id):
    message = thread_part(slack)
    result = open_modal(slack, services, message, action_id, "Acme Corp", user_id=TECH_ID, replies=1)
    [reply] = result.replies
    assert reply["response_type"] == "ephemeral"
    assert "Only billing admins may decide about variances; nothing was changed" in reply["text"]
    assert slack.fake.calls_to("views.open") == [] and updates(slack) == []


def test_a_non_admin_submitting_a_modal_is_refused_beside_the_field(slack, world, services):
    view = open_modal(slack, services, thread_part(slack), "review_fixed", "Acme Corp")
    answer = submit(slack, view, {"review_due": {"review_due": day(services, 20)}}, user_id=TECH_ID)
    assert answer["response_action"] == "errors" and "Only billing admins" in answer["errors"]["review_due"]
    assert services.reviews.fixes("local") == [] and updates(slack) == []


def new_report(slack) -> list[Any]:
    """A new report's messages."""
    before = {m.ts for m in slack.fake.messages(BILLING)}
    slack.run("reconcile", replies=0)
    slack.fake.wait_for(lambda f: any(m.thread_ts and m.ts not in before for m in f.messages(BILLING)), timeout=20)
    return [m for m in slack.fake.messages(BILLING) if m.ts not in before]


def flat_report(slack) -> str:
    """A new report's blocks, as text."""
    return "\n".join(str(b) for m in new_report(slack) for b in m.blocks)


def buttons_of_report(slack, services) -> dict[str, dict[str, Any]]:
    return {client: block for m in new_report(slack) for client, block in buttons(m, services).items()}


def test_past_a_hundred_assets_the_not_billable_picker_searches_by_name(slack, services):
    from urllib.parse import urlencode

    from tests.slack.conftest import build_world
    build_world(services, clients={"big": ("Big Co", 100, 130), "cedar": ("Cedar Dental", 8, 8)})
    view = open_modal(slack, services, thread_part(slack), "review_not_billable", "Big Co")
    [picker] = [b["element"] for b in view["blocks"] if b.get("block_id") == "review_what"]
    assert picker["type"] == "external_select" and "options" not in picker
    payload = {"type": "block_suggestion", "action_id": "review_what", "block_id": "review_what", "value": "pc-big-12",
               "user": {"id": ADMIN_ID}, "team": {"id": TEAM_ID}, "api_app_id": slack.fake.app_id,
               "view": view, "token": "fake-verification-token"}
    response = slack.driver.send(urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200, response.text
    labels = [o["text"]["text"] for o in response.json()["options"]]
    assert labels == [f"PC-big-{n} (devices:workstation)" for n in ["12", *map(str, range(120, 130))]]
