"""Every /billrec subcommand over HTTP, asserting on what the fake Slack received."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reconcile import csvexport
from reconcile.audit import Actor
from reconcile.tables import AuditEntry
from sandbox.slack_seed import ADMIN_ID, BILLING, GENERAL, TECH_ID
from tests import typed_numbers
from reconcile.check_catalog import SideSpec
from tests.fakes import BROKEN_REASON, Scripted, fleet, stored_before_the_bounds
from tests.slack import mrkdwn
from tests.slack.mrkdwn import visible

ADMIN = Actor(ADMIN_ID, "slack")


def audit(services, action):
    with services.context.sessions() as session:
        return [(e.actor, e.via, e.subject) for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


# -- reading: anyone ------------------------------------------------------------------------------

def test_status_lists_integrations_with_their_sync_health(slack, world):
    result = slack.run("status", user_id=TECH_ID)
    assert "*Integrations*" in result.text
    assert "*psa* · Scripted PSA (billing, primary PSA) — ok" in result.text and "*rmm* · Scripted RMM (usage) — ok" in result.text
    assert "Open link suggestions: 0" in result.text and result.replies[0]["response_type"] == "ephemeral"


def test_status_offers_confirm_and_discard_for_a_held_sync(slack, world, services):
    Scripted.script = fleet({"acme": 1})  # the RMM suddenly lost almost every device
    held = services.syncs.run("local", world.rmm, ADMIN)
    assert held.status == "held"
    result = slack.run("status")
    assert "the last sync is held, nothing was replaced" in result.text
    actions = next(b for b in result.replies[0]["blocks"] if b.get("block_id") == "hold:rmm")
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("hold_confirm", f"{held.run_id}:rmm"), ("hold_discard", f"{held.run_id}:rmm")]


def test_a_held_sync_is_confirmed_by_a_button_that_shows_who_decided(slack, world, services):
    Scripted.script = fleet({"acme": 1})
    services.syncs.run("local", world.rmm, ADMIN)
    status = slack.run("status")
    message = {"blocks": status.replies[0]["blocks"], "ts": "1.0001", "text": ""}
    refused = slack.click("hold_confirm", user_id=TECH_ID, message=message)
    assert "Only billing admins may confirm a held sync" in refused.text
    assert services.syncs.held("local")  # still held
    decided = slack.click("hold_confirm", message=message)
    assert decided.replies[0]["replace_original"] is True
    assert f"confirmed by <@{ADMIN_ID}>" in decided.text
    assert services.syncs.held("local") == []
    assert audit(services, "sync.confirm") == [(ADMIN_ID, "slack", "rmm")]


def test_checks_lists_every_check(slack, world):
    result = slack.run("checks", user_id=TECH_ID)
    assert "*Managed workstations*: billed psa `billed:MW-01` vs used rmm `devices:workstation`" in result.text


def test_check_names_and_exception_reasons_show_literally_on_their_own_line(slack, world, services):
    services.checks.add("local", "Servers\n• *Forged* line", SideSpec(world.psa, ["billed:SRV"]),
                        SideSpec(world.rmm, ["devices:server"]), ADMIN)
    services.exceptions.add("local", "Acme", "Managed workstations", "loaners\n• _forged_ ~line~", ADMIN)
    texts = [slack.run("checks").text, slack.run("except list").text]
    lines = [line for text in texts for line in text.split("\n")]
    assert not [line for line in lines if visible(line).startswith(("• *Forged", "• _forged"))]
    assert any("*Servers • *Forged* line*: billed psa" in visible(line) for line in lines)
    assert any("— loaners • _forged_ ~line~ · until revoked" in visible(line) for line in lines)
    for reading in ("space", "letter"):
        assert not [inner for text in texts for _, inner in mrkdwn.spans(text, reading) if visible(inner) in
                    ("Forged", "forged", "line")]


def test_history_shows_a_client_month_over_month(slack, world, services):
    services.snapshots.take("local", ADMIN)
    result = slack.run("history acme", user_id=TECH_ID)
    assert "*Acme Corp* month over month" in result.text
    assert "Managed workstations" in result.text and "+3" in result.text and "under-licensed" in result.text


def test_history_without_a_client_is_answered_with_its_usage_at_once(slack):
    result = slack.run("history", replies=0)
    assert "Usage: `/billrec history CLIENT`" in result.response.text


def test_settings_are_shown_to_anyone(slack):
    result = slack.run("settings", user_id=TECH_ID)
    assert "billing_channel: not set" in result.text and "digest_day: 1" in result.text


# -- slow work after the ack ------------------------------------------------------------------------

def test_sync_one_integration_runs_after_the_ack_and_reports_back(slack, world):
    result = slack.run("sync rmm", user_id=TECH_ID, replies=2)
    assert "Syncing rmm…" in result.text
    assert "*rmm*: synced 3 accounts" in result.text


def test_sync_all_syncs_every_connected_integration(slack, world):
    result = slack.run("sync all", replies=2)
    assert "*psa*: synced" in result.text and "*rmm*: synced" in result.text
    assert "Sync finished: 2 of 2 succeeded" in result.text


def test_sync_of_an_unknown_integration_is_answered_at_once(slack, world):
    result = slack.run("sync nope")
    assert "no integration named 'nope'" in result.text and "Syncing" not in result.text


def test_reconcile_posts_the_summary_then_details_and_csv_in_its_thread(slack, world, services):
    slack.run("reconcile", user_id=TECH_ID, replies=0)
    parent, *replies = slack.fake.messages(BILLING)
    assert parent.thread_ts is None and "Under-licensed" in str(parent.blocks)
    assert "1 under-licensed ($150.00/mo unbilled), 1 over-licensed, 1 matched" in parent.text
    assert [m.thread_ts for m in replies] == [parent.ts] * len(replies) and replies
    details = str([m.blocks for m in replies])
    assert details.index("Acme Corp") < details.index("Bluebird Logistics")  # under-licensed first
    [shared] = slack.fake.files(BILLING)
    assert shared.thread_ts == parent.ts
    expected = services.reconciler.run("local")
    assert shared.content == csvexport.to_text(expected.results).encode()


def test_a_check_that_cannot_be_evaluated_is_a_line_of_the_thread_and_the_rest_still_reports(slack, world, services):
    services.checks.add("local", "Recently seen", SideSpec(world.psa, ["billed:MW-01"]),
                        SideSpec(world.rmm, ["devices:workstation"]), ADMIN, seen_within_days=30)
    stored_before_the_bounds(services, "Recently seen")
    slack.run("reconcile", replies=0)
    parent, first, *_ = slack.fake.messages(BILLING)
    assert "1 under-licensed ($150.00/mo unbilled), 1 over-licensed, 1 matched, 1 failed to evaluate" in parent.text
    assert ":warning: 1 check could not be evaluated and is missing from every number below: *Recently seen*" \
        in str(parent.blocks)
    details = first.blocks[1]["text"]["text"]
    assert details == ("*Checks that could not be evaluated*\n• Recently seen: could not be evaluated, so no "
                       f"client's numbers include it: {BROKEN_REASON}")
    assert "*Acme Corp* — $150.00/mo unbilled" in str(first.blocks)  # every other check still reports
    [shared] = slack.fake.files(BILLING)
    assert b',Recently seen,,,,failed,,,,"' + BROKEN_REASON.encode() + b'"' in shared.content


def test_reconcile_of_one_client_narrows_the_report(slack, world):
    slack.run("reconcile blue", replies=0)
    parent = slack.fake.messages(BILLING)[0]
    assert "Bluebird Logistics" in str(parent.blocks)
    [shared] = slack.fake.files(BILLING)
    assert shared.filename == "billrec-reconcile-" + parent.text.split("—")[1].split(":")[0].strip() + \
        "-bluebird-logistics.csv"
    assert b"Acme" not in shared.content and b"Bluebird" in shared.content


def test_reconcile_where_the_bot_is_not_a_member_says_how_to_fix_it(slack, world):
    result = slack.run("reconcile", channel_id=GENERAL)
    assert "I am not a member of <#C_GENERAL>" in result.text and "/invite @BillingReconcile" in result.text
    assert slack.fake.messages(GENERAL) == [] and slack.fake.files(GENERAL) == []


def test_reconcile_of_an_unknown_client_says_so_to_the_asker_only(slack, world):
    result = slack.run("reconcile zebra")
    assert "no client matches 'zebra'" in result.text
    assert slack.fake.messages(BILLING) == []


def test_snapshot_freezes_and_posts_what_it_froze(slack, world, services):
    slack.run("snapshot", replies=0)
    [taken] = services.snapshots.list("local")
    parent = slack.fake.messages(BILLING)[0]
    assert f"Snapshot #{taken.id} — {taken.period}" in str(parent.blocks)
    assert audit(services, "snapshot.take") == [(ADMIN_ID, "slack", taken.period)]
    [shared] = slack.fake.files(BILLING)
    assert shared.content == csvexport.to_text(services.snapshots.results("local", taken.id)).encode()


def test_export_uploads_the_latest_snapshot_of_a_month(slack, world, services):
    taken = services.snapshots.take("local", ADMIN)
    result = slack.run(f"export {taken.period}", user_id=TECH_ID)
    assert f"Uploaded billrec-{taken.period}-snapshot-{taken.id}.csv" in result.text
    [shared] = slack.fake.files(BILLING)
    assert shared.thread_ts is None
    assert shared.content == csvexport.to_text(services.snapshots.results("local", taken.id)).encode()


def test_export_with_a_malformed_month_shows_its_usage(slack):
    assert "Usage: `/billrec export [YYYY-MM]`" in slack.run("export 11/2026", replies=0).response.text


# -- changing things: admins only -----------------------------------------------------------------

def test_an_admin_adds_and_removes_a_check_with_the_cli_syntax(slack, world, services):
    added = slack.run('checks add "Servers" --billed psa:billed:SRV --usage rmm:devices:server --tolerance 1 '
                      '--allow-unsynced')
    assert "*Servers*: billed psa `billed:SRV` vs used rmm `devices:server` · tolerance ±1" in added.text
    assert [c.name for c in services.checks.list("local")] == ["Managed workstations", "Servers"]
    removed = slack.run("checks remove Servers")
    assert "Removed check *Servers*" in removed.text
    assert audit(services, "check.add")[-1] == (ADMIN_ID, "slack", "Servers")
    assert audit(services, "check.remove") == [(ADMIN_ID, "slack", "Servers")]


def test_a_malformed_checks_add_is_answered_with_its_usage(slack, world):
    result = slack.run("checks add Servers --billed psa:billed:SRV", replies=0)
    assert "the following arguments are required: --usage" in result.response.text


def test_a_non_admin_cannot_change_checks(slack, world, services):
    result = slack.run("checks remove Managed", user_id=TECH_ID)
    assert "Only billing admins may change checks" in result.text
    assert len(services.checks.list("local")) == 1


def test_exceptions_are_added_listed_and_revoked(slack, world, services):
    added = slack.run("except add Acme | Managed workstations | loaner laptops & spares | until 2099-12-31")
    assert "loaner laptops &amp; spares" in added.text and "until 2099-12-31" in added.text
    [found] = services.exceptions.list("local")
    assert (found.client, found.check, found.reason, found.created_by) == (
        "Acme Corp", "Managed workstations", "loaner laptops & spares", ADMIN_ID)
    listed = slack.run("except list", user_id=TECH_ID)
    assert f"#{found.id} *Acme Corp*" in listed.text and f"by <@{ADMIN_ID}>" in listed.text
    revoked = slack.run(f"except revoke {found.id}")
    assert f"Revoked exception #{found.id}" in revoked.text
    assert services.exceptions.list("local") == []


def test_a_malformed_exception_shows_the_pipe_syntax(slack, world):
    result = slack.run("except add Acme Managed workstations", replies=0)
    assert "Usage: `/billrec except add CLIENT | CHECK | REASON | until YYYY-MM-DD (or | forever)`" \
        in result.response.text


def test_an_admin_changes_settings_with_channel_and_user_mentions(slack, services):
    result = slack.run("settings billing_channel=<#C_BILLING|billing> admins=<@U_ADMIN|dana> <@U_TECH|sam> "
                       "digest_day=3 timezone=Europe/London")
    current = services.tenants.settings("local")
    assert (current.billing_channel, current.admins, current.digest_day, current.timezone) == (
        BILLING, (ADMIN_ID, TECH_ID), 3, "Europe/London")
    assert "billing_channel: <#C_BILLING>" in result.text and "<@U_TECH>" in result.text
    assert audit(services, "settings.update") == [(ADMIN_ID, "slack", "admins, billing_channel, digest_day, timezone")]


def test_a_channel_typed_as_a_plain_name_is_stored_as_its_id(slack, services):
    slack.run("settings billing_channel=#billing")
    assert services.tenants.settings("local").billing_channel == BILLING


def test_an_unknown_channel_name_is_explained_and_changes_nothing(slack, services):
    result = slack.run("settings billing_channel=#nowhere")
    assert "I cannot find a channel named #nowhere" in result.text
    assert services.tenants.settings("local").billing_channel == ""


def test_configured_billing_admins_replace_workspace_admins(slack, services):
    services.tenants.update("local", ADMIN, admins=TECH_ID)
    refused = slack.run("settings digest_day=5")  # U_ADMIN is a workspace admin, not a billing admin
    assert "Only billing admins may change settings" in refused.text and "<@U_TECH>" in refused.text
    slack.run("settings digest_day=5", user_id=TECH_ID)
    assert services.tenants.settings("local").digest_day == 5


@pytest.mark.parametrize(("kind", "typed", "message"), typed_numbers.CASES)
def test_a_number_typed_wrong_is_answered_in_the_words_the_cli_uses(slack, world, services, kind, typed, message):
    result = slack.run(typed_numbers.slack_text(kind, typed), replies=0 if kind == "revoke" else 1)
    assert f":warning: {message}" in result.text
    assert [c.name for c in services.checks.list("local")] == [world.check]
    assert services.tenants.settings("local").digest_day == 1


def test_a_bad_setting_value_is_explained(slack):
    result = slack.run("settings digest_day=31")
    assert "digest day must be between 1 and 28" in result.text


def test_disconnect_asks_first_and_says_data_is_kept(slack, world, services):
    asked = slack.run("disconnect rmm")
    assert "Its credentials are deleted and its syncs stop. Its synced data, client links and snapshots are kept." \
        in asked.text
    assert services.integrations.get("local", "rmm").status == "connected"
    buttons = next(b for b in asked.replies[0]["blocks"] if b["type"] == "actions")["elements"]
    assert buttons[0]["confirm"]["confirm"]["text"] == "Disconnect"
    message = {"blocks": asked.replies[0]["blocks"], "ts": "1.0002", "text": ""}
    done = slack.click("disconnect_confirm", message=message)
    assert done.replies[0]["replace_original"] is True and f"by <@{ADMIN_ID}>" in done.text
    assert services.integrations.get("local", "rmm").status == "disconnected"
    assert audit(services, "integration.disconnect") == [(ADMIN_ID, "slack", "rmm")]


def test_disconnect_cancel_changes_nothing(slack, world, services):
    asked = slack.run("disconnect rmm")
    message = {"blocks": asked.replies[0]["blocks"], "ts": "1.0003", "text": ""}
    cancelled = slack.click("disconnect_cancel", message=message)
    assert "nothing changed" in cancelled.text
    assert services.integrations.get("local", "rmm").status == "connected"


def test_a_non_admin_cannot_disconnect(slack, world, services):
    result = slack.run("disconnect rmm", user_id=TECH_ID)
    assert "Only billing admins may disconnect integrations" in result.text
    assert services.integrations.get("local", "rmm").status == "connected"


def test_a_held_sync_can_be_discarded_keeping_the_previous_data(slack, world, services):
    Scripted.script = fleet({"acme": 1})
    services.syncs.run("local", world.rmm, ADMIN)
    status = slack.run("status")
    message = {"blocks": status.replies[0]["blocks"], "ts": "1.0004", "text": ""}
    decided = slack.click("hold_discard", message=message)
    assert f"discarded by <@{ADMIN_ID}>" in decided.text and "the previous data stays" in decided.text
    assert services.syncs.held("local") == []
    assert audit(services, "sync.discard") == [(ADMIN_ID, "slack", "rmm")]


def test_a_button_for_a_held_sync_a_newer_one_replaced_decides_nothing(slack, world, services):
    Scripted.script = fleet({"acme": 1})
    services.syncs.run("local", world.rmm, ADMIN)
    old = slack.run("status")
    old_message = {"blocks": old.replies[0]["blocks"], "ts": "1.0005", "text": ""}
    Scripted.script = fleet({"acme": 2})
    newer = services.syncs.run("local", world.rmm, ADMIN)
    assert newer.status == "held"
    for action in ("hold_confirm", "hold_discard"):
        refused = slack.click(action, message=old_message)
        assert "that held sync of rmm was replaced by a newer one" in refused.text
        assert refused.replies[0].get("replace_original") is not True  # told to the clicker; the message stays
    assert [h.run_id for h in services.syncs.held("local")] == [newer.run_id]
    assert audit(services, "sync.confirm") == audit(services, "sync.discard") == []
    current = slack.run("status")
    decided = slack.click("hold_confirm", message={"blocks": current.replies[0]["blocks"], "ts": "1.0006", "text": ""})
    assert f"*rmm*: held sync confirmed; its data is now current — confirmed by <@{ADMIN_ID}>" in decided.text
    assert services.syncs.held("local") == []


def test_a_hold_button_posted_before_buttons_named_the_run_decides_the_latest_hold(slack, world, services):
    Scripted.script = fleet({"acme": 1})
    services.syncs.run("local", world.rmm, ADMIN)
    decided = slack.click("hold_discard", value="rmm", block_id="hold:rmm")
    assert f"discarded by <@{ADMIN_ID}>" in decided.text
    assert services.syncs.held("local") == []


def test_a_429_from_slack_is_waited_out_and_the_summary_is_posted_once(slack, world):
    slack.fake.fail_next("chat.postMessage")  # 429 with Retry-After: 0
    slack.run("reconcile", replies=0)
    assert [c.status for c in slack.fake.calls_to("chat.postMessage")][:2] == [429, 200]
    assert len([m for m in slack.fake.messages(BILLING) if m.thread_ts is None]) == 1


def test_an_unexpected_failure_is_logged_and_the_user_told_in_one_line(slack, services, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services.integrations, "list", broken)
    result = slack.run("status")
    assert "Something went wrong on our side while running /billrec status" in result.text
    assert result.replies[0]["response_type"] == "ephemeral" and "on fire" not in result.text
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_an_unexpected_failure_in_slow_work_is_logged_and_told_too(slack, world, services, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("reconciler on fire")

    monkeypatch.setattr(services.reconciler, "run", broken)
    result = slack.run("reconcile")
    assert "Something went wrong on our side while reconciling" in result.text
    assert any(r.exc_info and "reconciler on fire" in str(r.exc_info[1]) for r in caplog.records)
