"""The posting service: summary, thread parts and CSV, within Slack's limits, escaped, paced, resumable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.posting import MemoryJournal, Pacer, post_report
from bot.views import report as report_views
from bot.views.report import detail_parts
from reconcile import csvexport
from reconcile.checks import CheckResult, Source, Status, order
from reconcile.reconciliation import Report
from sandbox import slack_limits
from sandbox.slack import FakeSlack
from sandbox.slack_render import render_channel
from sandbox.slack_seed import BILLING, BOT_TOKEN, seed_workspace
from tests.slack import mrkdwn
from tests.slack.conftest import SETUP, build_world, flat
from tests.slack.mrkdwn import visible

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> & Co"
NO_PACE = Pacer(interval=0)


def web(fake: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake.api_url, timeout=5,
                     retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])


def report_of(clients: int, *, name: str = "Client {i:03d} Holdings International") -> Report:
    """`clients` clients with two checks each: under, over, matched, stale and unmapped among them."""
    statuses = [Status.UNDER, Status.OVER, Status.MATCHED, Status.UNDER, Status.STALE, Status.EXCEPTED]
    results = []
    for i in range(clients):
        status = statuses[i % len(statuses)]
        billed, actual = Decimal(10 + i % 7), Decimal(10 + i % 7 + (3 if status is Status.UNDER else -2))
        if status is Status.MATCHED:
            actual = billed
        for check in ("Managed workstations (NinjaOne devices seen within 30 days)", "Microsoft 365 Business Premium"):
            results.append(CheckResult(name.format(i=i), check, billed, actual, status, Decimal("41.50"), client_id=i,
                                       note="ninja: last sync failed: 503" if status is Status.STALE else ""))
    results.append(CheckResult("Unlinked Org 9", "Microsoft 365 Business Premium", Decimal(0), Decimal(4),
                               Status.UNMAPPED, note="not linked to a client: ninja account 9"))
    sources = [Source(1, "psa", "connectwise", NOW, False), Source(2, "ninja", "ninjaone", NOW - timedelta(days=3), True,
                                                                    "last good sync 3 days ago")]
    return Report(order(results), sources, NOW)


@pytest.fixture
def fake():
    with FakeSlack(post_rate=None) as running:
        seed_workspace(running)
        yield running


def within_slack_limits(blocks, text):
    assert len(blocks) <= 50
    assert slack_limits.block_text_length(blocks) <= 12_000
    assert len(text) <= 4000
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
    assert slack_limits.message_problems(blocks) == []


def test_a_300_client_report_stays_within_every_limit_and_loses_no_client(fake):
    report = report_of(300)
    posted = post_report(web(fake), BILLING, report, title="Reconciliation — 2026-11-27", csv_name="r.csv",
                         journal=MemoryJournal(), pacer=NO_PACE)
    messages = fake.messages(BILLING)
    assert len(messages) == 1 + len(posted.part_ts) and len(posted.part_ts) > 1
    for message in messages:
        within_slack_limits(message.blocks, message.text)
    thread = json.dumps([m.blocks for m in fake.thread(BILLING, posted.parent_ts)])
    assert all(f"Client {i:03d} Holdings" in thread for i in range(300))
    assert "Unlinked Org 9* (not linked to a client)" in thread
    assert thread.index("Client 000") < thread.index("Client 001")  # under-licensed first
    [shared] = fake.files(BILLING)
    assert shared.thread_ts == posted.parent_ts and shared.content == csvexport.to_text(report.results).encode()


def test_the_parent_shows_the_cards_money_and_every_sources_as_of_time(fake):
    post_report(web(fake), BILLING, report_of(6), title="Reconciliation — 2026-11-27", csv_name="r.csv",
                journal=MemoryJournal(), pacer=NO_PACE, note="Requested by <@U_TECH>")
    shown = render_channel(fake, BILLING)
    assert ":red_circle: *Under-licensed* *4* · $498.00/mo unbilled" in shown  # 4 × (+3 × $41.50)
    assert ":large_yellow_circle: *Over-licensed* *2* · $166.00/mo overbilled" in shown
    assert ":large_green_circle: *Matched* *2* · billing lines up" in shown
    assert "Unmapped 1 · Stale 2 · Excepted 2 · 13 results" in shown
    assert "psa as of 2026-11-27 09:00 UTC" in shown
    assert "ninja as of 2026-11-24 09:00 UTC — :warning: *stale*: last good sync 3 days ago" in shown
    assert "Requested by @sam" in shown


def test_a_hostile_client_name_is_shown_literally_and_pings_nobody(fake):
    report = report_of(3, name=HOSTILE + " {i}")
    post_report(web(fake), BILLING, report, title="Reconciliation", csv_name="r.csv", journal=MemoryJournal(),
                pacer=NO_PACE)
    raw = json.dumps([[m.text, m.blocks] for m in fake.messages(BILLING)])
    assert "<!channel>" not in raw and "&lt;!channel&gt; &amp; Co 0" in raw
    assert "&amp;amp;" not in raw  # escaped exactly once
    assert "<!channel> & Co 0" in render_channel(fake, BILLING)


def test_a_429_is_waited_out_and_the_post_succeeds_once(fake):
    fake.fail_next("chat.postMessage")  # 429, Retry-After: 0
    post_report(web(fake), BILLING, report_of(3), title="Reconciliation", csv_name="r.csv",
                journal=MemoryJournal(), pacer=NO_PACE)
    statuses = [c.status for c in fake.calls_to("chat.postMessage")]
    assert statuses[:2] == [429, 200] and set(statuses[1:]) == {200}
    assert len([m for m in fake.messages(BILLING) if m.thread_ts is None]) == 1


def test_a_5xx_is_not_retried_and_a_rerun_with_the_journal_posts_nothing_twice(fake):
    class CrashAfterParent(MemoryJournal):
        def record(self, step: str, value: str) -> None:
            super().record(step, value)
            if step == "parent":
                fake.fail_next("chat.postMessage", status=500)

    journal = CrashAfterParent()
    report = report_of(60)
    with pytest.raises(SlackApiError):
        post_report(web(fake), BILLING, report, title="Digest", csv_name="r.csv", journal=journal, pacer=NO_PACE)
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [200, 500]  # not retried
    posted = post_report(web(fake), BILLING, report, title="Digest", csv_name="r.csv", journal=journal,
                         pacer=NO_PACE)
    assert [m.ts for m in fake.messages(BILLING) if m.thread_ts is None] == [posted.parent_ts]
    assert len(fake.thread(BILLING, posted.parent_ts)) == len(posted.part_ts)
    assert len(fake.files(BILLING)) == 1
    again = post_report(web(fake), BILLING, report, title="Digest", csv_name="r.csv", journal=journal,
                        pacer=NO_PACE)
    assert again == posted and len(fake.messages(BILLING)) == 1 + len(posted.part_ts)  # a third run: nothing new


def test_posts_to_one_channel_are_paced_under_slacks_limit():
    with FakeSlack(post_rate=5.0, post_burst=3) as fake:
        seed_workspace(fake)
        post_report(web(fake), BILLING, report_of(120), title="Reconciliation", csv_name="r.csv",
                    journal=MemoryJournal(), pacer=Pacer(interval=0.3, burst=3))  # a third under the limit: room for a loaded machine
        statuses = [c.status for c in fake.calls_to("chat.postMessage")]
    assert len(statuses) > 3 and set(statuses) == {200}  # never hit the limit, so never waited on a 429


def test_the_pacer_lets_a_burst_through_then_spaces_posts_per_channel():
    now, slept = [0.0], []
    pacer = Pacer(interval=1.0, burst=3, clock=lambda: now[0], sleep=slept.append)
    for _ in range(5):
        pacer.wait("C1")
    pacer.wait("C2")
    assert slept == [1.0, 2.0]


def test_a_hostile_client_name_from_a_vendor_is_escaped_end_to_end(slack, services):
    build_world(services, clients={"evil": (HOSTILE, 5, 9), "good": ("Good Co", 3, 3)})
    slack.run("reconcile", replies=0)
    raw = json.dumps([[m.text, m.blocks] for m in slack.fake.messages(BILLING)])
    assert "<!channel>" not in raw and "&lt;!channel&gt; &amp; Co" in raw
    [shared] = slack.fake.files(BILLING)
    assert HOSTILE.encode() in shared.content  # the CSV keeps the name as it is


@pytest.mark.parametrize(("forged", "literal"), [
    ("Acme\n• *Fake Co* — $99,999.00/mo", "Acme • *Fake Co* — $99,999.00/mo"),
    ("Acme\r\n• _Fake Co_ — ~$0.00~ `/mo`", "Acme  • _Fake Co_ — ~$0.00~ `/mo`"),
    ("Acme\u2028• *Fake Co*\u2029*x*", "Acme • *Fake Co* *x*"),
    ("\u202eAcme *Fake Co*\u2066\u200e\u200f\u2069", "Acme *Fake Co*"),
])
def test_a_vendors_client_name_cannot_forge_a_report_line_or_a_format_in_the_thread(slack, services, forged, literal):
    build_world(services, clients={"evil": (forged, 5, 9), "good": ("Good Co", 3, 3)})
    slack.run("reconcile", replies=0)
    texts = [text for m in slack.fake.messages(BILLING) for text in (m.text, flat(m.blocks))]
    lines = [line for text in texts for line in text.split("\n")]
    assert [visible(line) for line in lines if "Fake" in line] == [f"*{literal}* — $200.00/mo unbilled"]  # one line
    for reading in ("space", "letter"):  # however Slack reads a zero-width space, no span forms inside the name
        # (our bold around the whole name may not form when it ends in a marker: it then shows unbolded)
        assert {visible(inner) for text in texts for _, inner in mrkdwn.spans(text, reading) if "Fake" in inner} \
            <= {literal}
    assert not any(c in text for text in texts for c in "\u202e\u2066\u2069\u200e\u200f\u2028\u2029\r")


def test_a_huge_report_stops_at_40_thread_messages_and_points_to_the_csv():
    parts = detail_parts(report_of(3000).results)
    assert len(parts) == 40
    for part in parts:
        within_slack_limits(part.blocks, part.text)
    assert "more clients that need attention: the CSV below has every result" in json.dumps(parts[-1].blocks)


def test_a_stored_snapshot_posts_like_the_report_it_froze(fake, services):
    build_world(services)
    report = services.reconciler.run("local")
    taken = services.snapshots.take("local", SETUP, report=report)
    frozen = services.snapshots.report("local", taken.id)
    post_report(web(fake), BILLING, frozen, title=f"Snapshot #{taken.id}", csv_name="s.csv",
                journal=MemoryJournal(), pacer=NO_PACE)
    parent = fake.messages(BILLING)[0]
    assert parent.blocks[1:4] == report_views.summary_blocks(report, title="x")[1:4]  # cards, counts, sources
    [shared] = fake.files(BILLING)
    assert shared.content == csvexport.to_text(report.results).encode()
