"""A disconnected source in Slack: named so in the report's Sources and in status; its last data counts
until it goes stale, and the report says which (issue 9 item 8)."""

from __future__ import annotations

import json

from sandbox.slack_seed import BILLING
from tests.slack.conftest import SETUP, build_world


def posted(slack) -> str:
    before = len(slack.fake.messages(BILLING))
    slack.run("reconcile", replies=0)
    return json.dumps([[m.text, m.blocks] for m in slack.fake.messages(BILLING)[before:]], ensure_ascii=False)


def test_a_disconnected_rmm_is_reported_from_its_last_data_then_stale(slack, services, clock):
    world = build_world(services)
    services.integrations.disconnect("local", world.rmm, SETUP)
    fresh = posted(slack)
    assert ":heavy_minus_sign: *disconnected " in fresh and "its last data counts until " in fresh
    assert "Acme Corp" in fresh and "unbilled" in fresh and "*stale*" not in fresh  # still compared

    clock.advance(hours=services.config.stale_after.total_seconds() / 3600 + 1)
    stale = posted(slack)
    assert ":warning: *stale*: disconnected, last good sync" in stale
    assert "its last data counts until" not in stale

    status = slack.run("status").text
    assert "rmm" in status and "disconnected" in status
    assert "its synced data is kept and counts in reports until it goes stale" in status
