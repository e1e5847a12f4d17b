"""Trusting the report in Slack (issue 9, items 9–12), driven by signed /billrec requests."""

from __future__ import annotations

import re

from reconcile.audit import Actor
from sandbox.slack_seed import ADMIN_ID, BILLING
from tests.fakes import OUTAGE, Scripted
from tests.slack.mrkdwn import visible

ADMIN = Actor(ADMIN_ID, "slack")


def parent_of_report(slack) -> tuple[str, str]:
    """The last reconciliation's parent message: its notification text and its blocks as text."""
    slack.run("reconcile", replies=0)
    parent = [m for m in slack.fake.messages(BILLING) if m.thread_ts is None][-1]
    return parent.text, visible(str(parent.blocks))


# -- item 9: one failed sync is not an outage ------------------------------------------------------

def test_a_failed_sync_within_the_window_keeps_the_variances_and_says_so_once_at_the_top(slack, world, services,
                                                                                          clock):
    Scripted.script = [OUTAGE]
    clock.advance(hours=2)
    assert services.syncs.run("local", world.rmm, ADMIN).status == "failed"
    text, blocks = parent_of_report(slack)
    assert "1 under-licensed ($150.00/mo unbilled), 1 over-licensed, 1 matched" in text
    warning = re.findall(r":warning: rmm's last sync failed at [^;]*; figures as of [^'\"]*UTC", blocks)
    assert len(warning) == 1, blocks
    assert "(vendor error 503)" in warning[0]
    assert blocks.index("last sync failed") < blocks.index("Under-licensed")  # at the top, above the cards


def test_only_data_older_than_the_window_is_stale(slack, world, services, clock):
    Scripted.script = [OUTAGE]
    clock.advance(hours=49)  # past the default 48 h window
    services.syncs.run("local", world.rmm, ADMIN)
    text, blocks = parent_of_report(slack)
    assert "0 under-licensed" in text and "Stale 3" in blocks
    assert "last good sync 49 h ago; last sync failed: Scripted RMM: GET /devices answered 503" in blocks
    assert "figures as of" not in blocks  # stale results say so themselves; no "still reporting" line
