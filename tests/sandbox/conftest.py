"""Fixtures for the sandbox tests: one live sandbox server per module, and one per test that needs its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sandbox


@pytest.fixture(scope="module")
def served() -> Iterator[sandbox.SandboxServer]:
    """A small world with its rate limits opened wide: these tests make a few hundred quick calls."""
    with sandbox.start(clients=20, seed=3) as server:
        for kind in server.vendors:
            server.set_rate_limit(kind, 10_000, 10_000)
        yield server


@pytest.fixture(scope="module")
def server() -> Iterator[sandbox.SandboxServer]:
    with sandbox.start(clients=60, seed=7) as running:
        yield running


@pytest.fixture()
def fresh_server() -> Iterator[sandbox.SandboxServer]:
    """A server of its own, for tests that inject faults, change limits or replace the world."""
    with sandbox.start(clients=20, seed=11) as running:
        yield running
