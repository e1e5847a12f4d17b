"""One sandbox per module, its rate limits opened wide: quirk tests make a few hundred quick calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sandbox


@pytest.fixture(scope="module")
def served() -> Iterator[sandbox.SandboxServer]:
    with sandbox.start(clients=20, seed=3) as server:
        for kind in server.vendors:
            server.set_rate_limit(kind, 10_000, 10_000)
        yield server


@pytest.fixture()
def fresh_server() -> Iterator[sandbox.SandboxServer]:
    """A server of its own, for tests that inject faults or move token clocks."""
    with sandbox.start(clients=20, seed=11) as running:
        yield running
