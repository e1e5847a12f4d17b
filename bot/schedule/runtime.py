"""What scheduled jobs run with: the services, the settings, a Slack WebClient per tenant, the locks.

Job functions are plain importable functions taking ids (APScheduler pickles only their names
and arguments), so they find everything else here. `current()` builds it once per process from
the environment; the clock process and the web process that runs the scheduler in-process
`install()` the one they already built, and tests install one over their own services.

    rt = runtime.current()
    slack = rt.slack("T0123")       # a WebClient; None when Slack is not set up for this deployment
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import posting
from bot.settings import Settings
from reconcile import bootstrap
from reconcile.schedule import journal
from reconcile.schedule import locks as locks_module
from reconcile.schedule.alerts import Alerts
from reconcile.schedule.job_runs import JobRuns
from reconcile.schedule.leader import ClockState
from reconcile.schedule.locks import Locks

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

SlackFactory = Callable[[str], WebClient | None]


@dataclass
class Runtime:
    """Everything a job needs besides its ids."""

    services: bootstrap.Services
    settings: Settings
    slack: SlackFactory
    locks: Locks
    pacer: posting.Pacer = field(default_factory=lambda: posting.PACER)
    runner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    # the running APScheduler, when this process has one (a failed digest schedules its retry there)
    scheduler: BaseScheduler | None = None
    # how long a post in flight when a run died may still land (see `reconcile.schedule.journal.IN_FLIGHT`)
    in_flight: timedelta = field(default_factory=lambda: journal.IN_FLIGHT)

    def now(self) -> datetime:
        return self.services.context.clock()

    @property
    def runs(self) -> JobRuns:
        return JobRuns(self.services.context, self.locks, self.runner)

    @property
    def alerts(self) -> Alerts:
        return Alerts(self.services.context)

    @property
    def clock_state(self) -> ClockState:
        return ClockState(self.services.context)


def slack_factory(settings: Settings, services: bootstrap.Services) -> SlackFactory:
    """A WebClient per tenant: an OAuth install's bot is found where the tenant is in Slack (a workspace,
    a workspace of a Grid org, an org-wide install) and its token rotated first; one bot token serves one team."""
    if settings.slack_client_id and settings.slack_client_secret.get_secret_value():
        from bot import oauth  # the OAuth stores are only needed in multi-workspace mode

        store = oauth.installation_store(settings, services)

        def rotated(tenant: str) -> WebClient | None:
            workspace = services.tenants.workspace(tenant)
            try:
                return oauth.web_client(settings, store, workspace)
            except SlackApiError as error:
                # Refresh tokens are single use: if a web process rotated the token a moment ago,
                # ours is spent; the installation it saved has the fresh token, so read it again.
                if error.response.get("error") != "invalid_refresh_token":
                    raise
                log.info("token of %s was rotated elsewhere meanwhile; using the saved one", tenant)
                return oauth.web_client(settings, store, workspace)

        return rotated
    token = settings.slack_bot_token.get_secret_value()
    if token:
        from bot.slackclient import make_web_client

        return lambda tenant: make_web_client(settings, token)
    return lambda tenant: None


def build(settings: Settings) -> Runtime:
    services = bootstrap.build(settings.config())
    return Runtime(services, settings, slack_factory(settings, services), locks_module.for_engine(services.engine))


_current: Runtime | None = None
_guard = threading.Lock()


def current() -> Runtime:
    """This process's runtime, built from the environment on first use."""
    global _current
    with _guard:
        if _current is None:
            from bot import settings as settings_module

            _current = build(settings_module.load())
        return _current


def install(runtime: Runtime | None) -> None:
    """Use `runtime` for every job in this process (None forgets it)."""
    global _current
    with _guard:
        _current = runtime
