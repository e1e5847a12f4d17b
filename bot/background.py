"""Background work for the Slack face: slow work (syncs, reconciles, snapshots, exports) after the ack.

Bolt's own listener threads answer requests; a reconcile of a large tenant must not hold one of
them, or acks queue behind it. Slow work runs on its own small pool instead. We do not use Bolt's
`lazy=` listeners for this: Bolt deep-copies every custom context value (our `services`, with
its engine) into a lazy listener's request, and runs lazy work on the listener pool anyway.

    background.submit(do_the_slow_thing, reply=respond_ephemerally)

A job's known failures (`UserError`, `ConnectorError`, Slack errors a user can fix) become a
clear reply; anything else is logged with its traceback and the user hears that something
failed, exactly like `@app.error` does for listeners (both go through `bot.failures`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot import failures

log = logging.getLogger(__name__)

WORKERS = 4
Reply = Callable[[str], Any]


class Background:
    """A small thread pool for the slow half of Slack commands and buttons (not scheduler jobs: see `bot.schedule.jobs`)."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="billrec-job")
        self._lock = threading.Lock()
        self._pending: set[Future[None]] = set()
        self._idle = threading.Condition(self._lock)

    def submit(self, work: Callable[[], Any], *, reply: Reply, name: str = "") -> Future[None]:
        """Run `work` on the pool; its failures are explained through `reply`."""

        def run() -> None:
            try:
                with failures.explained(reply):
                    work()
            except Exception as error:  # noqa: BLE001 (the job's last resort, like @app.error for listeners)
                failures.unexpected(error, log, reply, what=name or getattr(work, "__name__", "job"))

        future = self._pool.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
            if not self._pending:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no job is queued or running (tests, the demo, the benchmark)."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
