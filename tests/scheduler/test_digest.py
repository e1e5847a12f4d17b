"""The monthly digest: what it posts, exactly once, and what it does when Slack misbehaves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.schedule import jobs
from reconcile.schedule import plan
from reconcile.schedule.journal import DigestJournal
from reconcile.schedule_tables import JobRun
from reconcile.check_catalog import SideSpec
from reconcile.checks import Status
from connectors.records import Quantity
from tests.fakes import BROKEN_REASON, OUTAGE, Scripted, ScriptedBilling, stored_before_the_bounds
from tests.scheduler.conftest import ADMIN, CHANNEL, TENANT, at, digest_parents, msp

NOVEMBER = at("2026-11-01 09:00", "Europe/London")


def posted(fake) -> dict[str, object]:
    """What the channel shows of the digests: parents, thread texts, files by name."""
    parents = digest_parents(fake)
    thread = [m.text for p in parents for m in fake.thread(CHANNEL, p.ts)]
    return {"parents": [p.text.split(":")[0] for p in parents], "thread": thread,
            "files": sorted(f.filename for f in fake.files(CHANNEL))}


def runs(services) -> list[tuple[str, str]]:
    with services.context.sessions() as session:
        return [(r.job_id, r.status) for r in session.scalars(
            select(JobRun).where(JobRun.kind == "digest", JobRun.tenant_id == TENANT).order_by(JobRun.id))]


def test_the_digest_posts_summary_details_csv_changes_and_chart_in_one_thread(rt, tenant, clock, fake):
    clock.now = NOVEMBER
    assert jobs.run_digest(rt, TENANT).startswith("posted to C_BILLING")
    assert posted(fake) == {
        "parents": ["Monthly billing digest · November 2026"],
        "thread": ["Details 1/1 of the reconciliation",
                   "What changed: this is the first monthly digest, so there is nothing to compare with yet.",
                   "Review loop: 8 open, 0 fixed so far ($0.00/mo recovered), 0 acknowledgements ending this month, "
                   "0 re-opened"],
        "files": ["billrec-2026-11-trend.png", "billrec-2026-11.csv"],
    }
    png = next(f for f in fake.files(CHANNEL) if f.filename.endswith(".png"))
    assert png.content.startswith(b"\x89PNG") and png.thread_ts == digest_parents(fake)[0].ts
    snapshot = rt.services.snapshots.latest(TENANT)
    assert (snapshot.trigger, snapshot.period) == ("monthly", "2026-11")


def test_a_rerun_of_a_finished_digest_posts_nothing(rt, tenant, clock, fake):
    clock.now = NOVEMBER
    jobs.run_digest(rt, TENANT)
    calls = len(fake.calls)
    clock.advance(hours=3)
    assert jobs.run_digest(rt, TENANT) == "skipped: already posted"
    assert len(fake.calls) == calls
    assert len(rt.services.snapshots.list(TENANT)) == 1
    assert runs(rt.services) == [("digest:T_MSP", "succeeded"), ("digest:T_MSP", "skipped")]


def test_a_stale_source_is_named_at_the_top_and_its_checks_are_not_compared(rt, tenant, clock, fake):
    clock.now = NOVEMBER
    Scripted.script = [OUTAGE]
    jobs.run_digest(rt, TENANT)
    parent = digest_parents(fake)[0]
    assert parent.blocks[0]["text"]["text"] == "⚠ Monthly billing digest · November 2026 · 1 source not fresh"
    note = next(b for b in parent.blocks if b["type"] == "context" and "Not fresh" in str(b))
    assert ("rmm: last good sync 11 days ago; last sync failed: Scripted RMM: GET /devices answered 503"
            in note["elements"][0]["text"])
    statuses = {r.status.value for r in rt.services.snapshots.results(TENANT, rt.services.snapshots.latest(TENANT).id)}
    assert statuses == {"stale"}


def test_a_sync_that_fails_on_digest_day_with_fresh_data_is_one_line_at_the_top_and_the_digest_still_compares(
        rt, tenant, clock, fake):
    clock.now = NOVEMBER - timedelta(hours=13)  # the evening before: a good sync
    for outcome in rt.services.syncs.run_all(TENANT, ADMIN):
        assert outcome.ok, outcome.message
    clock.now = NOVEMBER
    Scripted.script = [OUTAGE]  # the digest's own sync of the RMM fails
    jobs.run_digest(rt, TENANT)
    parent = digest_parents(fake)[0]
    assert parent.blocks[0]["text"]["text"] == "Monthly billing digest · November 2026"  # nothing is stale
    shown = str(parent.blocks)
    assert shown.count("last sync failed") == 1 and "Not fresh" not in shown
    assert (":warning: rmm's last sync failed at 09:00 UTC (vendor error 503); figures as of yesterday 20:00 UTC"
            in shown)
    statuses = {r.status for r in rt.services.snapshots.results(TENANT, rt.services.snapshots.latest(TENANT).id)}
    assert Status.STALE not in statuses and {Status.UNDER, Status.OVER} <= statuses


def test_a_check_that_cannot_be_evaluated_is_named_and_the_digest_still_posts_everything(rt, tenant, clock, fake):
    rt.services.checks.add(TENANT, "Recently seen", SideSpec("psa", ["billed:MW-01"]),
                           SideSpec("rmm", ["devices:workstation"]), ADMIN, seen_within_days=30)
    stored_before_the_bounds(rt.services, "Recently seen")
    clock.now = NOVEMBER
    assert jobs.run_digest(rt, TENANT).startswith("posted to C_BILLING")
    parent = digest_parents(fake)[0]
    assert "could not be evaluated and is missing from every number below: *Recently seen*" in str(parent.blocks)
    assert posted(fake)["files"] == ["billrec-2026-11-trend.png", "billrec-2026-11.csv"]
    frozen = rt.services.snapshots.results(TENANT, rt.services.snapshots.latest(TENANT).id)
    assert [(r.check, r.note) for r in frozen if r.status is Status.FAILED] == [("Recently seen", BROKEN_REASON)]
    assert sum(r.status is Status.UNDER for r in frozen) == 4  # the other check still compared every client


def test_what_changed_since_last_month_and_the_chart_cover_both_months(rt, tenant, clock, fake):
    clock.now = NOVEMBER
    jobs.run_digest(rt, TENANT)  # under: 0 3 6 9, over: 1 4 7 10
    clock.now = at("2026-12-01 09:00", "Europe/London")
    msp(12, under={0, 3, 6, 10}, over={1, 4, 7})  # 10 goes from over to under; 9 is fixed
    jobs.run_digest(rt, TENANT)
    december = digest_parents(fake)[1]
    changes = next(m for m in fake.thread(CHANNEL, december.ts) if m.text.startswith("What changed"))
    assert changes.text == "What changed since November 2026: 1 new under-billing, 1 resolved"
    body = " ".join(b["text"]["text"] for b in changes.blocks if b["type"] == "section")
    assert "*Client 010* — Managed workstations: *+3* · $150.00/mo" in body
    assert "*Client 009* — Managed workstations: was +3 under-licensed, now matched" in body
    assert "unbilled $600.00/mo (unchanged)" in body
    note = " ".join(str(b) for b in december.blocks if b["type"] == "context")
    assert "Since November 2026: unbilled $600.00/mo (unchanged)" in note


def stores(terabytes: str) -> None:
    """Client 000 billed 2 TB beyond the free one, storing `terabytes` (decimal TB) by this month's sync."""
    ScriptedBilling.script = [q for q in ScriptedBilling.script if getattr(q, "metric", "") != "billed:BK-TB"] + [
        Quantity(account_id="c0", metric="billed:BK-TB", value=Decimal(2), unit_price=Decimal(40))]
    Scripted.script = [q for q in Scripted.script if getattr(q, "metric", "") != "storage:bytes"] + [
        Quantity(account_id="o0", metric="storage:bytes", value=Decimal(terabytes) * 10**12)]


def test_what_changed_shows_storage_growing_in_its_unit_while_the_billed_terabytes_stay(rt, tenant, clock, fake):
    stores("3.1")
    rt.services.checks.add(TENANT, "Backup storage", SideSpec("psa", ["billed:BK-TB"]),
                           SideSpec("rmm", ["storage:bytes"]), ADMIN, unit="TB", included="1")
    clock.now = NOVEMBER
    jobs.run_digest(rt, TENANT)
    clock.now = at("2026-12-01 09:00", "Europe/London")
    stores("3.45")
    jobs.run_digest(rt, TENANT)
    december = digest_parents(fake)[1]
    changes = next(m for m in fake.thread(CHANNEL, december.ts) if m.text.startswith("What changed"))
    body = " ".join(b["text"]["text"] for b in changes.blocks if b["type"] == "section")
    assert "*Storage used since November 2026 (1)*" in body
    assert "*Client 000* — Backup storage: 3.1 TB → 3.45 TB used, billed 2 TB" in body
    # the workstation check has no storage, so it is not in that list
    assert body.count("→") == 1


def test_a_tenant_without_a_billing_channel_is_skipped_and_recorded(rt, tenant, clock, fake, caplog):
    rt.services.tenants.update(TENANT, ADMIN, billing_channel="")
    clock.now = NOVEMBER
    assert jobs.run_digest(rt, TENANT) == "skipped: no billing channel set (snapshot taken)"
    assert fake.calls_to("chat.postMessage") == []
    assert "no billing channel set" in caplog.text
    assert runs(rt.services) == [("digest:T_MSP", "skipped")]
    assert DigestJournal(rt.services.context.sessions, TENANT, "2026-11", clock).value("skipped") == "no billing channel set"


def test_a_429_during_the_digest_is_waited_out(rt, tenant, clock, fake):
    clock.now = NOVEMBER
    fake.fail_next("chat.postMessage", status=429, retry_after=0, times=2)
    fake.fail_next("files.completeUploadExternal", status=429, retry_after=0)
    assert jobs.run_digest(rt, TENANT).startswith("posted")
    assert len(digest_parents(fake)) == 1 and len(fake.files(CHANNEL)) == 2
    assert [c.status for c in fake.calls_to("chat.postMessage")][:3] == [429, 429, 200]


def test_a_5xx_on_a_post_fails_the_run_and_the_retry_resumes_without_reposting(rt, ticker, clock, fake):
    rt.services.tenants.update(TENANT, ADMIN, alert_threshold="100000")  # no alerts from the syncs due first
    clock.now = NOVEMBER
    fake.fail_next("chat.postMessage", status=500)  # the parent: Slack may or may not have it
    ran = [r for r in ticker.step() if r.job_id == plan.digest_job_id(TENANT)]
    assert ran[0].outcome.startswith("error: SlackApiError")
    retry = ticker.next_runs()[plan.retry_job_id(TENANT)]
    assert retry == NOVEMBER + timedelta(minutes=5)
    clock.now = retry
    assert [r.outcome.split(":")[0] for r in ticker.step() if r.job_id == plan.retry_job_id(TENANT)] == ["posted to C_BILLING"]
    assert plan.retry_job_id(TENANT) not in ticker.next_runs()
    assert len(digest_parents(fake)) == 1
    assert runs(rt.services) == [("digest:T_MSP", "failed"), ("digest:T_MSP", "succeeded")]


def test_a_post_slack_accepted_but_the_journal_missed_is_found_in_the_thread_not_reposted(rt, tenant, clock, fake,
                                                                                         monkeypatch):
    clock.now = NOVEMBER
    record = DigestJournal.record

    def crash_after_posting(self, step, value):
        if step == "part-1":
            raise SystemExit("killed between Slack's answer and the journal")
        record(self, step, value)

    monkeypatch.setattr(DigestJournal, "record", crash_after_posting)
    with pytest.raises(SystemExit):
        jobs.run_digest(rt, TENANT)
    monkeypatch.setattr(DigestJournal, "record", record)
    jobs.run_digest(rt, TENANT)
    assert posted(fake)["thread"].count("Details 1/1 of the reconciliation") == 1
    assert len(digest_parents(fake)) == 1 and len(fake.files(CHANNEL)) == 2


def test_without_history_scope_an_interrupted_post_is_posted_again_and_says_so(rt, tenant, clock, fake, monkeypatch,
                                                                               caplog):
    fake.add_team(TENANT, "xoxb-scheduler-test", scopes=("chat:write", "files:write", "channels:read"))
    clock.now = NOVEMBER
    record = DigestJournal.record

    def crash_after_posting(self, step, value):
        if step == "part-1":
            raise SystemExit("killed")
        record(self, step, value)

    monkeypatch.setattr(DigestJournal, "record", crash_after_posting)
    with pytest.raises(SystemExit):
        jobs.run_digest(rt, TENANT)
    monkeypatch.setattr(DigestJournal, "record", record)
    jobs.run_digest(rt, TENANT)
    assert posted(fake)["thread"].count("Details 1/1 of the reconciliation") == 2  # the documented one-message window
    assert "cannot read <#C_BILLING> to check for an interrupted part-1 (missing_scope)" in caplog.text


def test_a_bot_outside_the_channel_gets_a_clear_failure_and_posts_nothing(rt, tenant, clock, fake):
    fake.add_channel(CHANNEL, "billing", members=[])
    clock.now = NOVEMBER
    with pytest.raises(Exception, match="not a member of <#C_BILLING>"):
        jobs.run_digest(rt, TENANT)
    assert fake.calls_to("chat.postMessage") == []


def test_slack_errors_other_than_5xx_are_not_swallowed(rt, tenant, clock, fake):
    clock.now = NOVEMBER
    fake.fail_next("chat.postMessage", error="is_archived")
    with pytest.raises(SlackApiError):
        jobs.run_digest(rt, TENANT)


# -- the review loop (issue 15, item 5) -------------------------------------------------------------

def billed_for_client_0(value: int) -> None:
    """After `msp(...)`: the PSA bills Client 000 `value` workstations instead of 10."""
    from decimal import Decimal

    from connectors.records import Quantity
    from tests.fakes import ScriptedBilling

    ScriptedBilling.script = [Quantity("c0", "billed:MW-01", Decimal(value), q.unit_price)
                              if isinstance(q, Quantity) and q.account_id == "c0" else q for q in ScriptedBilling.script]


def test_the_digest_reports_the_review_loop_open_by_age_fixed_with_money_expiring_and_reopened(rt, tenant, clock,
                                                                                                 fake):
    services = rt.services
    clock.now = NOVEMBER
    jobs.run_digest(rt, TENANT)  # under: 0 3 6 9, over: 1 4 7 10
    clock.now = at("2026-11-05 10:00", "Europe/London")
    assert all(o.ok for o in services.syncs.run_all(TENANT, ADMIN))
    from datetime import date
    services.reviews.fix(TENANT, "Client 000", "Managed workstations", date(2026, 11, 25), ADMIN)
    services.reviews.fix(TENANT, "Client 003", "Managed workstations", date(2026, 11, 10), ADMIN)
    services.reviews.acknowledge(TENANT, "Client 006", "Managed workstations", "loaners back mid-December", ADMIN,
                                 until=date(2026, 12, 15))
    clock.now = at("2026-11-15 10:00", "Europe/London")
    msp(12, under={0, 2, 3, 6, 9}, over={1, 4, 7, 10})  # Client 002 newly under-licensed
    billed_for_client_0(13)  # the invoice for Client 000 was corrected; Client 003's was not
    assert all(o.ok for o in services.syncs.run_all(TENANT, ADMIN))
    assert [(f.client, f.state) for f in services.reviews.fixes(TENANT, include_closed=True)] == [
        ("Client 000", "resolved"), ("Client 003", "reopened")]

    clock.now = at("2026-12-01 09:00", "Europe/London")
    jobs.run_digest(rt, TENANT)
    december = digest_parents(fake)[1]
    [loop] = [m for m in fake.thread(CHANNEL, december.ts) if m.text.startswith("Review loop")]
    assert loop.text == ("Review loop: 7 open, 1 fixed since November 2026 ($150.00/mo recovered), "
                         "1 acknowledgements ending this month, 1 re-opened")
    body = "\n".join(b["text"]["text"] for b in loop.blocks if b["type"] == "section")
    assert "Open items by age: new this month 1 · 1 month 6 · 2–3 months 0 · older 0" in body
    assert "*Client 003* — Managed workstations: *+3* · $150.00/mo · open since November 2026" in body
    assert "*Client 002* — Managed workstations: *+3* · $150.00/mo · open since December 2026" in body
    assert body.index("Client 003") < body.index("Client 002")  # oldest first
    assert "*Fixed since November 2026 (1)* · $150.00/mo recovered" in body
    assert "*Client 000* — Managed workstations: billed 10 → 13 · $150.00/mo recovered" in body
    assert "*Client 006* — Managed workstations: loaners back mid-December (until 2026-12-15, by <@U_ADMIN>)" in body
    assert ("*Client 003* — Managed workstations: the billing fix <@U_ADMIN> promised by 2026-11-10 did not arrive"
            in body)
