"""Fixtures for the fake Slack's own tests: a seeded fake on a fake clock and a real WebClient.

The fake's postMessage rate limit is off here (a frozen clock never refills the bucket);
the rate-limit tests switch it on themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from sandbox.slack import FakeSlack
from sandbox.slack_seed import BOT_TOKEN, seed_workspace

HERE = Path(__file__).parent
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
START = 1_764_240_000.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """slack_sdk's missing-`text` UserWarning is an error in these tests, whatever pytest.ini says."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error::UserWarning"))


@pytest.fixture(autouse=True)
def _no_slack_or_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SLACK_") or name in PROXY_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock):
    with FakeSlack(clock=clock, post_rate=None) as running:
        seed_workspace(running)
        yield running


@pytest.fixture
def make_web_client(fake: FakeSlack):
    """A real WebClient against the fake, with Slack's rate-limit retry handler."""

    def make(token: str = BOT_TOKEN, retries: int = 2, timeout: float = 5) -> WebClient:
        return WebClient(
            token=token,
            base_url=fake.api_url,
            timeout=timeout,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=retries)],
        )

    return make


@pytest.fixture
def web(make_web_client) -> WebClient:
    return make_web_client()
