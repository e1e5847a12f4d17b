"""Discovering what can be checked, and typos refused, in Slack (issue 9, items 1-2)."""

from __future__ import annotations

from sandbox.slack_seed import ADMIN_ID, TECH_ID


def test_metrics_lists_every_synced_metric_with_accounts_and_units(slack, world, services):
    result = slack.run("metrics", user_id=TECH_ID)
    for metric in services.metrics.synced("local"):
        assert f"`{metric.side}`" in result.text
    assert "`psa:billed:MW-01`" in result.text and "3 accounts · 43 units · $50.00" in result.text
    assert "`rmm:devices:workstation`" in result.text and result.replies[0]["response_type"] == "ephemeral"


def test_metrics_of_an_unknown_integration_names_the_ones_there_are(slack, world):
    result = slack.run("metrics nope")
    assert "no integration named 'nope'" in result.text and "psa" in result.text


def test_a_mistyped_metric_is_refused_with_the_closest_real_one(slack, world, services):
    result = slack.run('checks add "Typo" --billed psa:billed:MW01 --usage rmm:devices:workstation')
    assert "did you mean psa:billed:MW-01" in result.text and "--allow-unsynced" in result.text
    assert [c.name for c in services.checks.list("local")] == ["Managed workstations"]


def test_a_check_of_an_integration_against_itself_is_refused(slack, world, services):
    result = slack.run('checks add "Self" --billed rmm:devices:workstation --usage rmm:devices:workstation')
    assert "rmm is on both sides" in result.text
    assert len(services.checks.list("local")) == 1


# -- the checks modal ---------------------------------------------------------------------------------

def open_checks_modal(slack, user_id=ADMIN_ID):
    slack.run("checks add", user_id=user_id, replies=0)
    slack.fake.wait_for("views.open")
    return slack.fake.open_views(user_id)[-1]


def options(view, block_id):
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return {o["value"]: o["text"]["text"] for o in block["element"]["options"]}


def submit_check(slack, view, name, *, seen_within):
    """The modal submitted with the PSA's product against the RMM's workstations."""
    response = slack.driver.view_submission("checks_submit", {
        "check_name": {"value": name}, "checks_billed": {"checks_billed": "psa:billed:MW-01"},
        "checks_usage": {"checks_usage": "rmm:devices:workstation"}, "check_seen_within": {"value": seen_within}},
        view_id=view["id"])
    return response.json()


def test_the_checks_modal_offers_synced_metrics_by_their_names_billing_and_usage_apart(slack, world):
    view = open_checks_modal(slack)
    billed, used = options(view, "checks_billed"), options(view, "checks_usage")
    assert set(billed) == {"psa:billed:MW-01"} and "3 accounts" in billed["psa:billed:MW-01"]
    assert set(used) == {"rmm:devices:workstation"}
    assert used["rmm:devices:workstation"].startswith("Workstations · rmm:devices:workstation")


def test_a_check_added_from_the_modal_is_stored_and_shown(slack, world, services):
    answer = submit_check(slack, open_checks_modal(slack), "Workstations again", seen_within="30")
    assert answer["response_action"] == "update" and "Added check *Workstations again*" in str(answer["view"])
    added = next(c for c in services.checks.list("local") if c.name == "Workstations again")
    assert (added.billed.metrics, added.usage.metrics, added.seen_within_days) == (
        ("billed:MW-01",), ("devices:workstation",), 30)


def test_a_refusal_in_the_modal_is_shown_beside_its_field(slack, world, services):
    answer = submit_check(slack, open_checks_modal(slack), "Managed workstations", seen_within="0")
    assert answer["response_action"] == "errors" and "seen-within must be between 1 and 3650" in str(answer)
    assert len(services.checks.list("local")) == 1


def test_only_billing_admins_open_the_checks_modal(slack, world):
    result = slack.run("checks add", user_id=TECH_ID)
    assert "Only billing admins may change checks" in result.text
