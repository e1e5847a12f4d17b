"""One sandbox for the whole contract suite, and per backend one tenant with every vendor connected and
synced once (the "last good data" the fault tests must keep). Each test clears faults and the log first."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

import sandbox
from reconcile import bootstrap
from reconcile.audit import Actor
from reconcile.config import Config
from reconcile.tables import Integration, QuantityRow
from sandbox.server import SandboxServer
from tests.conftest import FAST_POLICY, Clock, open_database

ADMIN = Actor("U_ADMIN", "cli")
TENANT = "local"


@pytest.fixture(scope="session")
def vendors() -> Iterator[SandboxServer]:
    with sandbox.start(clients=20, seed=3) as server:
        yield server


@pytest.fixture
def sandbox_server(vendors: SandboxServer) -> Iterator[SandboxServer]:
    vendors.faults.clear()
    vendors.requests.clear()
    yield vendors
    vendors.faults.clear()
    vendors.requests.keep_exchanges = False


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def synced(request: pytest.FixtureRequest, vendors: SandboxServer,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[bootstrap.Services]:
    """Every vendor connected and synced once into a database of the module's own."""
    folder: Path = tmp_path_factory.mktemp(request.param)
    with open_database(request.param, folder) as database:
        config = Config(home=folder / "home", database_url=database.url,
                        encryption_keys=(Fernet.generate_key().decode(),), http_policy=FAST_POLICY)
        services = bootstrap.build(config, engine=database.engine, clock=Clock())
        services.tenants.ensure(TENANT)
        for kind in vendors.vendors:
            services.integrations.connect(TENANT, kind, kind, vendors.settings(kind), ADMIN)
            assert services.syncs.run(TENANT, kind, ADMIN).ok
        yield services
        services.close()


def inject(server: SandboxServer, kind: str, fault: str, times: int, **where: str) -> None:
    """A fault; a rate limit asks for no wait, so retries take milliseconds."""
    server.faults.inject(kind, fault, times=times, seconds=0 if fault == "rate_limit" else None, **where)


def current(services: bootstrap.Services, kind: str) -> dict[tuple[str, str], Decimal]:
    """The integration's current quantities, summed per account and metric."""
    with services.context.sessions() as session:
        run = session.scalar(select(Integration.current_run_id).where(Integration.name == kind))
        rows = session.execute(select(QuantityRow.account_id, QuantityRow.metric, QuantityRow.value)
                               .where(QuantityRow.sync_run_id == run))
        totals: dict[tuple[str, str], Decimal] = {}
        for account, metric, value in rows:
            totals[account, metric] = totals.get((account, metric), Decimal(0)) + Decimal(value)
        return totals
