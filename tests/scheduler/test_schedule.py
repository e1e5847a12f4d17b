"""Jobs fire on schedule: staggered syncs, the digest on its day in the tenant's zone (across DST),
a digest missed while the clock was down, and jobs that follow connects, disconnects and settings."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select

from bot.views import schedule
from bot.schedule.clock import Clock
from reconcile.schedule import plan, timetable
from reconcile.schedule_tables import JobRun
from tests.fakes import Scripted
from tests.scheduler.conftest import ADMIN, TENANT, at, digest_parents


def ids(services, tenant=TENANT) -> dict[str, int]:
    return {i.name: i.id for i in services.integrations.list(tenant, include_disconnected=False)}


def job_runs(services) -> list[tuple[str, str]]:
    with services.context.sessions() as session:
        return [(r.job_id, r.status) for r in session.scalars(select(JobRun).order_by(JobRun.id))]


def test_every_connected_integration_and_the_digest_get_a_job(services, ticker):
    wanted = {plan.sync_job_id(TENANT, i) for i in ids(services).values()} | {plan.digest_job_id(TENANT)}
    assert set(ticker.next_runs()) == wanted | {plan.digest_job_id("local")}


def test_syncs_are_staggered_deterministically_inside_their_interval():
    phases = {plan.stagger(f"T{n}", i, 24) for n in range(50) for i in (1, 2)}
    assert len(phases) > 90  # 100 integrations, (almost) all at different minutes of the day
    assert all(timedelta(0) <= p < timedelta(hours=24) for p in phases)
    assert plan.stagger("T1", 1, 24) == plan.stagger("T1", 1, 24)


def test_a_sync_runs_on_schedule_and_then_again_one_interval_later(services, ticker, clock):
    rmm = ids(services)["rmm"]
    first = ticker.next_runs()[plan.sync_job_id(TENANT, rmm)]
    clock.now = first - timedelta(seconds=1)
    assert [r for r in ticker.step() if r.job_id == plan.sync_job_id(TENANT, rmm)] == []
    clock.now = first
    ran = [r for r in ticker.step() if r.job_id == plan.sync_job_id(TENANT, rmm)]
    assert [(r.run_time, r.outcome.split(";")[0]) for r in ran] == [(first, "succeeded")]
    assert services.integrations.get(TENANT, "rmm").last_success_at == first
    assert ticker.next_runs()[plan.sync_job_id(TENANT, rmm)] == first + timedelta(hours=24)


def test_a_sync_with_a_longer_interval_is_rescheduled_when_the_setting_changes(services, ticker, clock):
    rmm = plan.sync_job_id(TENANT, ids(services)["rmm"])
    services.tenants.update(TENANT, ADMIN, sync_interval_hours=6)
    following = ticker.next_runs()[rmm]
    assert clock() < following <= clock() + timedelta(hours=6)


def test_the_digest_runs_at_nine_local_on_the_first_across_the_dst_change(services, ticker, clock, fake):
    digest = plan.digest_job_id(TENANT)
    # October → November: the clocks went back on 25 October, so 09:00 in London is 09:00 UTC
    assert ticker.next_runs()[digest] == at("2026-11-01 09:00", "Europe/London")
    assert ticker.next_runs()[digest].astimezone(UTC) == at("2026-11-01 09:00")
    clock.now = at("2026-11-01 08:59", "Europe/London")
    assert [r for r in ticker.step() if r.job_id == digest] == []
    clock.now = at("2026-11-01 09:00", "Europe/London")
    assert [r.outcome for r in ticker.step() if r.job_id == digest] == ["posted to C_BILLING: 1 thread parts, CSV and chart"]
    assert ["November 2026" in m.text for m in digest_parents(fake)] == [True]
    # the clocks go forward on 29 March: 1 April 09:00 in London is 08:00 UTC
    schedule = [ticker.next_runs()[digest]]
    for _ in range(5):
        clock.now = schedule[-1]
        ticker.step()
        schedule.append(ticker.next_runs()[digest])
    assert [m.astimezone(UTC).strftime("%m-%d %H:%M") for m in schedule] == [
        "12-01 09:00", "01-01 09:00", "02-01 09:00", "03-01 09:00", "04-01 08:00", "05-01 08:00"]


def test_the_digest_day_time_and_zone_come_from_the_settings(services, ticker):
    services.tenants.update(TENANT, ADMIN, digest_day=15, digest_time="07:30", timezone="America/New_York")
    assert ticker.next_runs()[plan.digest_job_id(TENANT)] == at("2026-11-15 07:30", "America/New_York")
    assert timetable.next_digest(services, TENANT) == at("2026-11-15 07:30", "America/New_York")
    assert schedule.describe_digest(timetable.next_digest(services, TENANT), "America/New_York") == \
        "Sun 15 Nov 2026 07:30 EST (America/New_York)"


def test_a_digest_missed_while_the_clock_was_down_runs_after_restart(services, rt, tenant, clock, fake):
    first = Clock(rt, stepped=True)
    first.start()
    first.shutdown()  # the process stops on 20 October; the job store keeps the November digest
    clock.now = at("2026-11-03 14:00")  # back two days late
    second = Clock(rt, stepped=True)
    second.start()
    ran = [r for r in second.step() if r.job_id == plan.digest_job_id(TENANT)]
    second.shutdown()
    assert [(r.run_time, r.outcome.split(":")[0]) for r in ran] == [(at("2026-11-01 09:00", "Europe/London"), "posted to C_BILLING")]
    assert ["November 2026" in m.text for m in digest_parents(fake)] == [True]  # the period it was scheduled for


def test_missed_syncs_coalesce_into_one_run(services, ticker, clock):
    rmm = plan.sync_job_id(TENANT, ids(services)["rmm"])
    first = ticker.next_runs()[rmm]
    clock.now = first + timedelta(hours=24 * 3 + 1)  # three slots missed, within none's grace but the last
    runs = [r for r in ticker.step() if r.job_id == rmm]
    assert [r.outcome.split(";")[0] for r in runs] == ["succeeded"]
    assert ticker.next_runs()[rmm] == first + timedelta(hours=24 * 4)


def test_connecting_and_disconnecting_change_the_jobs_at_once(services, ticker):
    Scripted.script = []
    info = services.integrations.connect(TENANT, "scripted", "rmm2", {"api_key": "k-2"}, ADMIN)
    assert plan.sync_job_id(TENANT, info.id) in ticker.next_runs()
    assert timetable.next_syncs(services, TENANT)[info.id] == ticker.next_runs()[plan.sync_job_id(TENANT, info.id)]
    services.integrations.disconnect(TENANT, "rmm2", ADMIN)
    assert plan.sync_job_id(TENANT, info.id) not in ticker.next_runs()


def test_a_change_made_in_another_process_is_picked_up_by_the_resync(services, ticker, rt, database, config):
    from reconcile import bootstrap
    other = bootstrap.build(config, engine=database.engine)  # a web process: same database, no scheduler
    other.context.registry["scripted"] = Scripted
    info = other.integrations.connect(TENANT, "scripted", "elsewhere", {"api_key": "k-3"}, ADMIN)
    assert plan.sync_job_id(TENANT, info.id) not in ticker.next_runs()
    assert plan.sync_job_id(TENANT, info.id) in ticker.resync().added


def test_a_sync_already_done_in_its_slot_is_not_run_again(services, ticker, clock):
    rmm = plan.sync_job_id(TENANT, ids(services)["rmm"])
    slot = ticker.next_runs()[rmm]
    clock.now = slot + timedelta(minutes=5)
    services.syncs.run(TENANT, "rmm", ADMIN)  # someone synced by hand just after the slot began
    assert [r.outcome.split(":")[0] for r in ticker.step() if r.job_id == rmm] == ["skipped"]
