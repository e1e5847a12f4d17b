"""Discovering what can be checked, and typos refused, in Slack (issue 9, items 1-2)."""

from __future__ import annotations

from sandbox.slack_seed import TECH_ID


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
