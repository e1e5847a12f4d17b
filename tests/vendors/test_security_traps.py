"""Traps every security console shows the same way, run for each fake of the security role.

A reinstall leaves the machine's old agent behind beside the new one: both are listed, the old
one stops being seen, so it counts only while it is within a check's window and then ages out.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

import sandbox
from connectors import REGISTRY
from connectors.records import Asset
from sandbox.truth.model import Role
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every fleet trap is planted)

SECURITY = sorted(kind for kind, vendor in sandbox.VENDORS.items() if Role.SECURITY in vendor.roles)


@pytest.mark.parametrize("kind", SECURITY)
def test_a_reinstalls_old_agent_is_a_second_one_that_ages_out_of_the_window(
        server: sandbox.SandboxServer, kind: str) -> None:  # noqa: F811
    world = server.world
    reinstalled = [d for c in world.customers for d in c.devices if "reinstall duplicate" in d.tags]
    assert reinstalled
    with REGISTRY[kind](server.settings(kind), policy=FAST_POLICY) as connector:
        assets = [r for r in connector.sync() if isinstance(r, Asset)]
    for device in reinstalled:
        twins = sorted((a for a in assets if a.name == device.hostname), key=lambda a: a.last_seen)
        assert len(twins) == 2 and twins[0].id != twins[1].id
        assert twins[0].last_seen < world.now - timedelta(days=30) <= twins[1].last_seen  # counted only while recent
