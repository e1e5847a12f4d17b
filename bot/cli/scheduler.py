"""`billrec scheduler | digest | jobs`: the clock process, a digest by hand, and what is scheduled."""

from __future__ import annotations

import logging
import signal
import sys
import threading

import click
from tabulate import tabulate

from bot.cli import Env, cli
from bot.cli.numbers import Seconds


IN_FLIGHT_HELP = ("Seconds a post in flight when a run died may still land in Slack; a rerun sooner than that "
                  "waits before deciding it never arrived.")
IN_FLIGHT = Seconds("in-flight", 0, 3600)


def _runtime(env: Env, in_flight: float):  # noqa: ANN202  (a Runtime; imported late so --help stays fast)
    from datetime import timedelta

    from bot.schedule import runtime
    from reconcile.schedule import locks

    services = env.services
    rt = runtime.Runtime(services, env.settings, runtime.slack_factory(env.settings, services),
                         locks.for_engine(services.engine), in_flight=timedelta(seconds=in_flight))
    runtime.install(rt)
    return rt


@cli.command()
@click.option("--poll", type=Seconds("poll", 0.1, 3600), default=2.0, show_default=True,
              help="Seconds between lock checks: a standby takes over within this long of the leader's death.")
@click.option("--resync", "resync_every", type=Seconds("resync", 1, 86_400), default=30.0, show_default=True,
              help="Seconds between full re-reads of what should be scheduled.")
@click.option("--once", is_flag=True, help="Run what is due now and exit (when a cron job is the clock).")
@click.option("--in-flight", type=IN_FLIGHT, default=20.0, show_default=True, help=IN_FLIGHT_HELP)
@click.pass_obj
def scheduler(env: Env, poll: float, resync_every: float, once: bool, in_flight: float) -> None:
    """The clock process: every tenant's syncs, monthly digests and alerts. One leads; others stand by."""
    from bot.schedule import clock, jobs, service
    from reconcile.schedule.leader import LEADER

    for name in ("bot", "apscheduler"):  # what the clock does is worth a line each; HTTP calls are not
        logging.getLogger(name).setLevel(logging.INFO)
    rt = _runtime(env, in_flight)
    if once:
        held = rt.locks.try_acquire(LEADER)
        if held is None:
            click.echo("Another clock process leads; nothing to do.", err=True)
            return
        try:
            ticker = clock.Clock(rt, stepped=True)
            ticker.start()
            jobs.recover(rt)
            for ran in ticker.step():
                click.echo(f"{ran.job_id}: {ran.outcome}")
            ticker.shutdown()
        finally:
            held.release()
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Clock process {rt.runner}: leading or standing by (lock checked every {poll:g} s). "
               "Ctrl-C stops.", err=True)
    service.run(rt, stop=stop, poll=poll, resync_every=resync_every)


@cli.command()
@click.option("--period", metavar="YYYY-MM", help="The digest's month (default: the one the schedule last served).")
@click.option("--in-flight", type=IN_FLIGHT, default=20.0, show_default=True, help=IN_FLIGHT_HELP)
@click.pass_obj
def digest(env: Env, period: str | None, in_flight: float) -> None:
    """Run the monthly snapshot and digest now. Resumes an interrupted one; posts nothing twice."""
    from bot.schedule import jobs

    logging.getLogger("bot").setLevel(logging.INFO)
    rt = _runtime(env, in_flight)
    outcome = jobs.run_digest(rt, env.tenant, period, env.actor)
    click.echo(f"digest {env.tenant}: {outcome}")
    if outcome.startswith("skipped: running"):
        sys.exit(1)


@cli.command("jobs")
@click.pass_obj
def jobs_command(env: Env) -> None:
    """The tenant's scheduled jobs and when each runs next."""
    from bot.views import schedule
    from reconcile.schedule import plan, timetable
    from reconcile.schedule.leader import ClockState

    services = env.services
    settings = services.tenants.settings(env.tenant)
    names = {plan.sync_job_id(env.tenant, i.id): f"sync {i.name}"
             for i in services.integrations.list(env.tenant, include_disconnected=False)}
    syncs = timetable.next_syncs(services, env.tenant)
    rows = [[names[plan.sync_job_id(env.tenant, i)], schedule.describe_sync(moment)] for i, moment in syncs.items()]
    rows.append(["monthly digest", schedule.describe_digest(timetable.next_digest(services, env.tenant), settings.timezone)])
    click.echo(tabulate(rows, headers=["Job", "Next run"]))
    if not ClockState(services.context).running():
        click.echo("\nNo clock process has reported in the last 2 minutes: start one with `billrec scheduler` "
                   "(or `billrec serve`, which runs it on SQLite).", err=True)
