from __future__ import annotations

from collections.abc import Iterator

import pytest

import sandbox
from sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def vendors() -> Iterator[SandboxServer]:
    """One sandbox for the module; each test clears faults and the request log first."""
    with sandbox.start(clients=20, seed=3) as server:
        yield server


@pytest.fixture
def sandbox_server(vendors: SandboxServer) -> SandboxServer:
    vendors.faults.clear()
    vendors.requests.clear()
    return vendors


def inject(server: SandboxServer, kind: str, fault: str, times: int) -> None:
    """A fault; a rate limit asks for no wait, so retries take milliseconds."""
    server.faults.inject(kind, fault, times=times, seconds=0 if fault == "rate_limit" else None)
