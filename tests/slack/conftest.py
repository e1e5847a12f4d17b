"""Fixtures for the Slack face: the real app over real HTTP, against the fake Slack Web API.

    def test_status(slack):                      # on SQLite and on PostgreSQL (via `services`)
        result = slack.run("status")             # a signed /billrec status from U_ADMIN in #billing
        assert "Integrations" in result.text     # the ack and every response_url answer, as text

The app is built by the production factory (`bot.app.create_app`) and served by the production
WSGI handler (`bot.wsgi.handler`) under wsgiref, threaded, on a free loopback port
(`bot.serving.LocalServer`, which the demo uses too). The fake
Slack (sandbox/slack*.py) has its post rate limit off unless a test turns it on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from slack_bolt import App

from bot import wsgi
from bot.app import create_app
from bot.background import Background
from bot.posting import Pacer
from bot.serving import LocalServer
from bot.settings import Settings
from connectors.records import Account, Quantity
from reconcile.audit import Actor
from reconcile.bootstrap import Services
from reconcile.check_catalog import SideSpec
from sandbox.slack import FakeSlack
from sandbox.slack_driver import SlackDriver
from sandbox.slack_seed import ADMIN_ID, BILLING, BOT_TOKEN, seed_workspace
from tests.fakes import Scripted, ScriptedBilling, fleet

HERE = os.path.dirname(__file__)
SECRET = "test-signing-secret"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
SETUP = Actor("setup", "cli")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """slack_sdk's missing-`text` UserWarning is an error here, whatever else is configured."""
    for item in items:
        if str(item.path).startswith(HERE):
            item.add_marker(pytest.mark.filterwarnings("error::UserWarning"))


@pytest.fixture(autouse=True)
def _no_slack_or_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SLACK_") or name in PROXY_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    running = FakeSlack(post_rate=None).start()
    seed_workspace(running)
    yield running
    # its server notices shutdown only every half second; nothing waits for it, so let it go alone
    threading.Thread(target=running.stop, name="fake-slack-stop", daemon=True).start()


def single_workspace(fake: FakeSlack, **extra: Any) -> Settings:
    return Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,
                    slack_api_url=fake.api_url, **extra)


def oauth_settings(fake: FakeSlack) -> Settings:
    return Settings(_env_file=None, slack_client_id="1111.2222", slack_client_secret="fake-client-secret",
                    slack_signing_secret=SECRET, slack_api_url=fake.api_url,
                    slack_authorize_url=f"{fake.base_url}/oauth/v2/authorize")


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, with a way to wait until every listener has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=16, thread_name_prefix="listener-under-test")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 30) -> None:
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)


@dataclass
class Served:
    """The app running on a loopback port."""

    app: App
    background: Background
    listeners: TrackingExecutor
    server: LocalServer = field(repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    def settle(self) -> None:
        """Wait until every listener and every job they started has finished."""
        self.listeners.wait_idle()
        self.background.wait_idle(30)
        self.listeners.wait_idle()

    @property
    def events_url(self) -> str:
        return self.server.events_url

    def stop(self) -> None:
        self.server.stop()
        self.settle()
        self.background.shutdown()
        self.listeners.shutdown(wait=True)


def serve(services: Services, settings: Settings, **options: Any) -> Served:
    background, listeners = Background(), TrackingExecutor()
    options.setdefault("pacer", Pacer(interval=0))  # the fake's rate limit is off too; test_posting paces
    app = create_app(services, settings, background=background, listener_executor=listeners, **options)
    handler = wsgi.handler(app, settings.slack_signing_secret.get_secret_value())
    return Served(app, background, listeners, LocalServer(handler).__enter__())


@pytest.fixture
def served(services: Services, fake: FakeSlack) -> Iterator[Served]:
    running = serve(services, single_workspace(fake))
    yield running
    running.stop()


@dataclass
class Result:
    """What a user sees after a command or click: the HTTP answer and the response_url posts."""

    response: httpx.Response
    replies: list[dict[str, Any]]

    @property
    def text(self) -> str:
        parts = [self.response.text]
        for reply in self.replies:
            parts.append(str(reply.get("text", "")))
            parts.append(flat(reply.get("blocks") or []))
        return "\n".join(parts)


def flat(value: Any) -> str:
    """Every text in a block structure, joined: what an assertion reads."""
    if isinstance(value, list):
        return "\n".join(flat(v) for v in value)
    if isinstance(value, dict):
        own = [value["text"]] if isinstance(value.get("text"), str) else []
        return "\n".join(own + [flat(v) for k, v in value.items() if k != "text" or not isinstance(v, str)])
    return ""


@dataclass
class Chat:
    """A person in the workspace talking to the served app."""

    fake: FakeSlack
    driver: SlackDriver
    served: Served

    def run(self, text: str, user_id: str = ADMIN_ID, channel_id: str = BILLING, *, replies: int = 1) -> Result:
        """`/billrec text`, then wait for `replies` response_url posts and for any background job."""
        before = len(self.fake.hooks)
        response = self.driver.command(text, user_id=user_id, channel_id=channel_id)
        assert response.status_code == 200, response.text
        return self._settle(response, before, replies)

    def click(self, action_id: str, *, user_id: str = ADMIN_ID, replies: int = 1, **kwargs: Any) -> Result:
        before = len(self.fake.hooks)
        response = self.driver.block_action(action_id, user_id=user_id, **kwargs)
        assert response.status_code == 200, response.text
        return self._settle(response, before, replies)

    def _settle(self, response: httpx.Response, before: int, replies: int) -> Result:
        if replies:
            self.fake.wait_for(lambda f: len(f.hooks) >= before + replies, timeout=20)
        self.served.settle()
        return Result(response, [h.body for h in self.fake.hooks[before:]])


def submit_form(slack: Chat, view: dict[str, Any], **values: str) -> dict[str, Any]:
    """Submit the connect form `view` with `values` ({block id: text}); Slack's answer to the submission."""
    state = {block: {"value": value} for block, value in values.items()}
    response = slack.driver.view_submission("connect_submit", state, view_id=view["id"])
    assert response.status_code == 200
    slack.served.settle()
    return response.json() if response.content else {}


@pytest.fixture
def driver(served: Served, fake: FakeSlack) -> Iterator[SlackDriver]:
    with SlackDriver(served.events_url, SECRET, fake=fake) as running:
        yield running


@pytest.fixture
def slack(fake: FakeSlack, driver: SlackDriver, served: Served) -> Chat:
    return Chat(fake, driver, served)


# -- a small MSP ---------------------------------------------------------------------------------

CLIENTS = {"acme": ("Acme Corp", 10, 13), "blue": ("Bluebird Logistics", 25, 21), "cedar": ("Cedar Dental", 8, 8)}
PRICE = Decimal(50)


@dataclass(frozen=True)
class World:
    psa: str = "psa"
    rmm: str = "rmm"
    check: str = "Managed workstations"


def billing_records(clients: dict[str, tuple[str, int, int]]) -> list[object]:
    records: list[object] = []
    for key, (name, billed, _) in clients.items():
        records.append(Account(id=key, name=name))
        records.append(Quantity(account_id=key, metric="billed:MW-01", value=Decimal(billed), unit_price=PRICE))
    return records


def usage_records(clients: dict[str, tuple[str, int, int]], names: dict[str, str] | None = None) -> list[object]:
    """The RMM's view of the same clients, under `names` (its own spelling) when given."""
    records = fleet({key: used for key, (_, _, used) in clients.items()})
    names = {key: name for key, (name, _, _) in clients.items()} | (names or {})
    return [Account(id=r.id, name=names[r.id]) if isinstance(r, Account) else r for r in records]


def build_world(services: Services, tenant: str = "local", clients: dict[str, tuple[str, int, int]] | None = None, *,
                approve: bool = True, usage_names: dict[str, str] | None = None) -> World:
    """A PSA and an RMM, synced, linked and checked: Acme under-licensed, Bluebird over, Cedar matched."""
    clients = clients or CLIENTS
    services.context.registry["scripted"] = Scripted
    services.context.registry["scripted_psa"] = ScriptedBilling
    ScriptedBilling.script = billing_records(clients)
    Scripted.script = usage_records(clients, usage_names)
    world = World()
    services.integrations.connect(tenant, "scripted_psa", world.psa, {"api_key": "k-psa"}, SETUP)
    services.integrations.connect(tenant, "scripted", world.rmm, {"api_key": "k-rmm"}, SETUP)
    services.syncs.run(tenant, world.psa, SETUP)
    services.syncs.run(tenant, world.rmm, SETUP)
    if approve:
        services.links.approve_above(tenant, 0.95, SETUP)
    services.checks.add(tenant, world.check, SideSpec(world.psa, ["billed:MW-01"]),
                        SideSpec(world.rmm, ["devices:workstation"]), SETUP)
    return world


@pytest.fixture
def world(services: Services) -> World:
    return build_world(services)


def reconcile_thread(slack: Chat, added: str) -> str:
    """`/billrec <added>` (a check), then `/billrec reconcile`: the thread's blocks, as one text to search."""
    slack.run(added)
    slack.run("reconcile", replies=0)
    _, *replies = slack.fake.messages(BILLING)
    return str([m.blocks for m in replies])
