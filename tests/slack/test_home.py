"""The App Home tab: the reconciliation page in Slack, and its three buttons."""

from __future__ import annotations

import json

from reconcile import csvexport
from reconcile.audit import Actor
from reconcile.check_catalog import SideSpec
from sandbox.slack_seed import ADMIN_ID, BILLING, TECH_ID
from tests.fakes import BROKEN_REASON, stored_before_the_bounds


def home_text(slack, user_id=ADMIN_ID):
    slack.served.settle()
    view = slack.fake.home(user_id)
    assert view is not None, "no App Home was published"
    return json.dumps(view["blocks"], ensure_ascii=False)


def press(slack, action_id, user_id=TECH_ID):
    before = len(slack.fake.calls_to("views.publish"))
    home = slack.fake.home(user_id)
    response = slack.driver.block_action(action_id, user_id=user_id, view=home)
    assert response.status_code == 200
    slack.fake.wait_for(lambda f: len(f.calls_to("views.publish")) > before, timeout=20)
    return home_text(slack, user_id)


def test_opening_the_home_tab_shows_cards_attention_integrations_and_snapshot(slack, world, services):
    services.snapshots.take("local", Actor(ADMIN_ID, "slack"))
    assert slack.driver.app_home_opened(TECH_ID).status_code == 200
    slack.fake.wait_for("views.publish")
    shown = home_text(slack, TECH_ID)
    assert ":red_circle: *Under-licensed*\\n*1* · $150.00/mo unbilled" in shown
    assert "*Needs attention*" in shown and "*Acme Corp* Managed workstations: billed 10, actual 13" in shown
    assert "*psa* · Scripted PSA (billing, primary PSA) — ok" in shown and "*Latest snapshot*\\n#1 for" in shown
    assert [e["action_id"] for b in slack.fake.home(TECH_ID)["blocks"] if b["type"] == "actions"
            for e in b["elements"]] == ["home_sync_all", "home_snapshot", "home_export"]


def test_an_empty_tenant_gets_a_home_that_says_where_to_start(slack):
    slack.driver.app_home_opened()
    slack.fake.wait_for("views.publish")
    assert "No results yet" in home_text(slack) and "None yet." in home_text(slack)


def test_sync_all_from_home_syncs_and_says_so(slack, world):
    slack.driver.app_home_opened(TECH_ID)
    slack.fake.wait_for("views.publish")
    assert f"Sync all, asked by <@{TECH_ID}>: 2 of 2 succeeded." in press(slack, "home_sync_all")


def test_snapshot_and_export_from_home_go_to_the_billing_channel(slack, world, services):
    services.tenants.update("local", Actor(ADMIN_ID, "slack"), billing_channel=BILLING)
    slack.driver.app_home_opened(TECH_ID)
    slack.fake.wait_for("views.publish")
    assert "taken and posted to <#C_BILLING>" in press(slack, "home_snapshot")
    [taken] = services.snapshots.list("local")
    assert f"Snapshot #{taken.id}" in str(slack.fake.messages(BILLING)[0].blocks)
    assert f"Exported snapshot #{taken.id}" in press(slack, "home_export")
    exported = slack.fake.files(BILLING)[-1]
    assert exported.thread_ts is None
    assert exported.content == csvexport.to_text(services.snapshots.results("local", taken.id)).encode()


def test_export_from_home_without_a_billing_channel_says_how_to_set_one(slack, world):
    slack.driver.app_home_opened(TECH_ID)
    slack.fake.wait_for("views.publish")
    assert "Set a billing channel first" in press(slack, "home_export")


def test_a_check_that_cannot_be_evaluated_leaves_the_home_tab_working_and_says_so(slack, world, services):
    services.checks.add("local", "Recently seen", SideSpec(world.psa, ["billed:MW-01"]),
                        SideSpec(world.rmm, ["devices:workstation"]), Actor(ADMIN_ID, "slack"), seen_within_days=30)
    stored_before_the_bounds(services, "Recently seen")
    slack.driver.app_home_opened(TECH_ID)
    slack.fake.wait_for("views.publish")
    shown = home_text(slack, TECH_ID)
    assert f"Recently seen: could not be evaluated, so no client's numbers include it: {BROKEN_REASON}" in shown
    assert ":red_circle: *Under-licensed*\\n*1* · $150.00/mo unbilled" in shown and "Failed checks 1" in shown
