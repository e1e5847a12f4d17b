"""A world at a fixed instant, shared by the truth's tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.truth import World, build_world

# A fixed instant makes worlds comparable across builds; servers that real connectors read use
# the real clock instead, because a connector judges "future" and "stale" against its own.
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(clients=60, seed=7, now=NOW)
