"""Show evidence: the report thread's button opens a modal of the devices and billing lines behind a client's
numbers, paged within Block Kit's limits, over signed requests against the fake Slack."""

from __future__ import annotations

import json
from decimal import Decimal

from bot.views import evidence as views
from bot.views import limits
from sandbox.slack_seed import ADMIN_ID, BILLING, TECH_ID
from tests.slack.conftest import CLIENTS, build_world, flat, usage_records


def thread_button(slack, client: str):
    """`/billrec reconcile`, then the thread message holding `client`'s Show evidence button, and the button."""
    slack.run("reconcile", replies=0)
    for message in slack.fake.messages(BILLING)[1:]:
        for block in message.blocks:
            accessory = block.get("accessory") or {}
            if accessory.get("action_id") == views.SHOW and f"*{client}*" in block["text"]["text"]:
                return message, accessory
    raise AssertionError(f"no Show evidence button for {client}")


def opened(slack, user_id=ADMIN_ID):
    [view] = slack.fake.wait_for(lambda f: [v for v in f.open_views(user_id) if "Page " in flat(v["blocks"])],
                                 timeout=10)
    return view


def click_show(slack, client: str, user_id=ADMIN_ID):
    message, button = thread_button(slack, client)
    response = slack.driver.block_action(views.SHOW, user_id=user_id, message=message)
    assert response.status_code == 200
    slack.served.settle()
    return button, opened(slack, user_id)


def test_every_client_needing_attention_has_a_show_evidence_button_with_its_id(slack, world, services):
    slack.run("reconcile", replies=0)
    buttons = {b["text"]["text"].split("*")[1]: b["accessory"]["value"] for m in slack.fake.messages(BILLING)[1:]
               for b in m.blocks if (b.get("accessory") or {}).get("action_id") == views.SHOW}
    ids = {name: str(cid) for cid, name in services.links.clients("local")}
    assert buttons == {"Acme Corp": ids["Acme Corp"], "Bluebird Logistics": ids["Bluebird Logistics"]}


def test_show_evidence_opens_a_modal_naming_each_device_and_billing_line(slack, world):
    _, view = click_show(slack, "Acme Corp", user_id=TECH_ID)  # anyone who reads the report may look
    text = flat(view["blocks"])
    assert view["title"]["text"] == "Evidence" and "Acme Corp" in text
    assert "*Managed workstations* — billed 10, actual 13" in text
    assert "• billed:MW-01 (billed:MW-01) · 10 × $50.00 · Acme Corp" in text
    assert [line.split(" · ")[0][2:] for line in text.splitlines() if line.startswith("• PC-")] == sorted(
        f"PC-acme-{i}" for i in range(13))
    assert "Page 1 of 1" in text and not [b for b in view["blocks"] if b["type"] == "actions"]
    [opened_call] = slack.fake.calls_to("views.open")
    assert "Reading" in json.dumps(opened_call.body)  # opened at once; the page followed as an update


def test_a_two_thousand_device_client_pages_through_every_device_within_every_block_kit_limit(slack, services):
    build_world(services, clients={**CLIENTS, "acme": ("Acme Corp", 1990, 2000)})
    _, view = click_show(slack, "Acme Corp")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        blocks = view["blocks"]
        assert len(blocks) <= limits.MODAL_BLOCKS
        assert all(len(b["text"]["text"]) <= limits.SECTION_TEXT for b in blocks if b["type"] == "section")
        assert len(view["private_metadata"]) <= limits.PRIVATE_METADATA and len(view["title"]["text"]) <= 24
        seen += [line.split(" · ")[0][2:] for line in flat(blocks).splitlines() if line.startswith("• PC-")]
        turns = {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}
        assert f"Page {pages} of" in flat(blocks)
        if views.NEXT not in turns:
            break
        before = len(slack.fake.calls_to("views.update"))
        slack.driver.block_action(views.NEXT, view=view["id"], value=turns[views.NEXT]["value"])
        slack.fake.wait_for(lambda f: len(f.calls_to("views.update")) > before, timeout=10)
        slack.served.settle()
        view = slack.fake.view(view["id"])
    assert sorted(seen) == sorted(f"PC-acme-{i}" for i in range(2000)) and len(seen) == 2000
    assert pages > 1 and f"Page {pages} of {pages}" in flat(view["blocks"])
    # and back: Previous shows the page before
    previous = next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                    if e["action_id"] == views.PREVIOUS)
    slack.driver.block_action(views.PREVIOUS, view=view["id"], value=previous["value"])
    slack.fake.wait_for(lambda f: f"Page {pages - 1} of {pages}" in flat(f.view(view["id"])["blocks"]), timeout=10)


def test_a_device_not_seen_within_the_window_is_shown_left_out_with_the_reason(slack, services):
    from datetime import timedelta

    from connectors.records import Account, Asset, Quantity
    from reconcile.check_catalog import SideSpec
    from tests.fakes import Scripted
    from tests.slack.conftest import SETUP

    build_world(services)
    now = services.context.clock()
    others = {k: v for k, v in CLIENTS.items() if k != "acme"}
    Scripted.script = [*usage_records(others), Account(id="acme", name="Acme Corp"),
                       *(Asset("acme", "devices:workstation", f"w{i}", f"ACME-WS{i:02d}", now - timedelta(days=2))
                         for i in range(12)),
                       Asset("acme", "devices:workstation", "old", "ACME-OLD", now - timedelta(days=41)),
                       Asset("acme", "devices:server", "srv", "ACME-SRV", now),
                       Quantity("acme", "devices:workstation", Decimal(13)), Quantity("acme", "devices:server", Decimal(1))]
    outcome = services.syncs.run("local", "rmm", SETUP)
    assert outcome.ok, outcome.message
    services.checks.add("local", "Recent workstations", SideSpec("psa", ["billed:MW-01"]),
                        SideSpec("rmm", ["devices:workstation"]), SETUP, seen_within_days=30)
    _, view = click_show(slack, "Acme Corp")
    text = flat(view["blocks"])
    assert "*Recent workstations* — billed 10, actual 12 · devices seen within 30 days" in text
    assert "ACME-OLD · workstation · last seen " in text and "— not seen within 30 days" in text
    assert "ACME-SRV · server · last seen " in text and "— server is not counted by this check" in text
