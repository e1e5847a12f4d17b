"""A connector that declares its vendor's documented limit is paced at that limit in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.auth import ApiKeyHeader
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint
from connectors.http import HttpPolicy
from connectors.ratelimit import RateLimit
from tests.scripted import ScriptedServer


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Metered(Connector):
    kind = "metered"
    display_name = "Metered RMM"
    role = Role.USAGE
    fields = (Field("base_url", "API URL"), Field("api_key", "API key", secret=True))
    guidance = Guidance(reads="devices", why="to count them", never_reads="anything else",
                        writes_back="Never.", revoke="delete the key.", permission="read-only")
    metrics = {"devices:workstation": "Workstations"}
    auth = ApiKeyHeader("X-Api-Key", field="api_key")
    test_call = Endpoint("/me")
    rate_limit = RateLimit(requests=10, per_seconds=5, source="the vendor's API guide: 10 requests in 5 seconds")


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        for _ in range(30):
            running.answer("/me", 200, {})
        yield running


def calls(server: ScriptedServer, policy: HttpPolicy, count: int = 30) -> float:
    """How long after the first the last of `count` test calls went out, by the client's own waits.

    The sleeps are not real, so each wait is measured from the start: the last one is the total.
    """
    sleeps = Sleeps()
    connector = Metered({"base_url": server.url, "api_key": "k-1234567"}, policy=policy, sleep=sleeps)
    for _ in range(count):
        connector.test()
    return max(sleeps, default=0)


def test_the_documented_limit_replaces_the_default_pace(server):
    # 10 in 5 s is 2 a second after a window's 10 at once: the 30th call goes out 20 / 2 = 10 s in
    assert calls(server, HttpPolicy()) == pytest.approx(10, abs=0.5)


def test_no_pacing_and_the_sandbox_pace_stay_as_asked(server):
    assert calls(server, HttpPolicy(requests_per_second=0)) == 0
    assert calls(server, HttpPolicy(requests_per_second=100, burst=100, vendor_limits=False)) == 0


def test_the_lower_bound_of_a_sync_within_the_limit():
    limit = RateLimit(requests=500, per_seconds=60)
    assert limit.lower_bound(500) == 0           # one window's worth fits in its burst
    assert limit.lower_bound(1500) == pytest.approx(120)
