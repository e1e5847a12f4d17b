"""The clock process: one leader per database, hot standbys, and how other processes nudge it.

    service.run(rt, stop=threading.Event())      # `billrec scheduler`: lead, or wait to
    service.start_background(rt)                  # the same on a daemon thread (`billrec serve`)
    service.announce_changes(services)            # web and CLI processes: tell the clock at once

Leadership is the named lock "clock" (`reconcile.schedule.locks`: a PostgreSQL advisory lock on a
connection of its own, or a file lock next to the SQLite file). A standby tries it every `poll`
seconds, so it takes over within `poll` seconds of the leader's death being known: at once for
a killed process (its kernel closes the socket / the lock file), about 25 s for a vanished host
(TCP keepalives). The leader checks every `poll` seconds that its lock session still answers,
and stops scheduling the moment it does not.

Changes made in another process (a web process connecting an integration, `billrec settings`)
leave a nudge (`reconcile.schedule.leader`); the leader reads it every `poll` seconds and
resyncs, so such a change reaches the jobs within `poll` seconds (2 by default). A full resync
every `resync_every` seconds (30) catches anything a nudge missed. Changes made inside the
leader's own process reach the jobs at once, through `services.events`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from bot.schedule import jobs
from bot.schedule.clock import Clock
from bot.schedule.runtime import Runtime
from bot.settings import Settings
from reconcile.bootstrap import Services
from reconcile.schedule.leader import LEADER, ClockState
from reconcile.schedule.locks import Held

log = logging.getLogger(__name__)

POLL = 2.0
RESYNC_EVERY = 30.0


def run(rt: Runtime, *, stop: threading.Event, poll: float = POLL, resync_every: float = RESYNC_EVERY) -> None:
    """Lead when the lock is free, stand by while it is not, until `stop` is set."""
    waiting = False
    while not stop.is_set():
        held = rt.locks.try_acquire(LEADER, keepalive=True)
        if held is None:
            if not waiting:
                log.info("standby: another clock process leads; trying to take over every %.1f s", poll)
                waiting = True
            stop.wait(poll)
            continue
        waiting = False
        lead(rt, held, stop=stop, poll=poll, resync_every=resync_every)


def lead(rt: Runtime, held: Held, *, stop: threading.Event, poll: float, resync_every: float) -> None:
    since = rt.now()
    log.info("leading as %s: scheduling every tenant's syncs and digests", rt.runner)
    clock, state = Clock(rt), rt.clock_state
    try:
        state.beat(rt.runner, since)
        clock.start()
        jobs.recover(rt)
        last_resync, last_nudge = time.monotonic(), state.nudged_at()
        while not stop.wait(poll):
            if not held.alive():
                log.error("lost the clock lock (its database session ended); standing down")
                break
            nudged = state.nudged_at()
            if nudged != last_nudge or time.monotonic() - last_resync >= resync_every:
                clock.resync()
                state.beat(rt.runner, since)
                last_resync, last_nudge = time.monotonic(), nudged
    finally:
        clock.shutdown(wait=False)
        held.release()


@dataclass
class ClockThread:
    """A clock running on a daemon thread of this process."""

    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)


def start_background(rt: Runtime, *, poll: float = POLL, resync_every: float = RESYNC_EVERY) -> ClockThread:
    """Run the clock (leader or standby) next to whatever this process does, e.g. serving Slack."""
    from bot.schedule import runtime

    runtime.install(rt)
    stop = threading.Event()
    thread = threading.Thread(target=run, kwargs={"rt": rt, "stop": stop, "poll": poll, "resync_every": resync_every},
                              name="billrec-clock", daemon=True)
    thread.start()
    return ClockThread(thread, stop)


def announce_changes(services: Services, who: str = "") -> None:
    """Make this process's connects, disconnects and settings changes reach the clock within a poll."""
    state = ClockState(services.context)

    def nudge(tenant_id: str, **_: object) -> None:
        state.nudge(who or tenant_id)

    for name in ("integration.connected", "integration.disconnected", "settings.changed"):
        services.events.subscribe(name, nudge)


def in_process(settings: Settings, services: Services) -> ClockThread:
    """`billrec serve --with-scheduler`: a clock (leader or standby) over the app's own services.

    Sharing the app's `services` means this process's connects and settings changes reach the
    jobs at once through `services.events`. Under gunicorn, call it from `post_worker_init` in
    each worker (never in the master before forking: threads and lock handles do not fork
    cleanly); one worker leads and the others stand by.
    """
    from bot.schedule import runtime
    from reconcile.schedule import locks

    rt = runtime.Runtime(services, settings, runtime.slack_factory(settings, services),
                         locks.for_engine(services.engine))
    return start_background(rt)


def default_with_scheduler(settings: Settings) -> bool:
    """`billrec serve` runs the clock itself by default only on SQLite (one host, one small deployment)."""
    return settings.config().embedded
