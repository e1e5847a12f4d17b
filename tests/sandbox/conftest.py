"""Fixtures for the sandbox tests: a world at a fixed instant, and one live sandbox server per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

import sandbox
from sandbox.model import World
from sandbox.world import build_world

# A fixed instant makes worlds comparable across builds; servers that real connectors read use
# the real clock instead, because a connector judges "future" and "stale" against its own.
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(clients=60, seed=7, now=NOW)


@pytest.fixture(scope="module")
def server() -> Iterator[sandbox.SandboxServer]:
    with sandbox.start(clients=60, seed=7) as running:
        yield running


@pytest.fixture()
def fresh_server() -> Iterator[sandbox.SandboxServer]:
    """A server of its own, for tests that inject faults, change limits or replace the world."""
    with sandbox.start(clients=20, seed=11) as running:
        yield running
