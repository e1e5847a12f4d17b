"""The one composition root: `build(config)` wires the engine, vault, registry and services.

The CLI, the Slack app, the clock process and the tests all start here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

import connectors
from connectors.base import Connector
from reconcile import db, owner_only, vault
from reconcile.variance_exceptions import Exceptions
from reconcile.config import Config
from reconcile.context import Context, utcnow
from reconcile.events import Events
from reconcile.integrations import Integrations
from reconcile.linking import Links
from reconcile.metrics import Metrics
from reconcile.primary import PrimaryPsa
from reconcile.evidence import EvidenceFinder
from reconcile.reconciliation import Reconciler
from reconcile.reviews import Reviews
from reconcile.check_catalog import Checks
from reconcile.sku_choices import SkuChoices
from reconcile.snapshots import Snapshots
from reconcile.sync import Syncs
from reconcile.tenants import Tenants


@dataclass
class Services:
    context: Context
    tenants: Tenants
    integrations: Integrations
    syncs: Syncs
    links: Links
    checks: Checks
    reconciler: Reconciler
    snapshots: Snapshots
    exceptions: Exceptions
    reviews: Reviews
    metrics: Metrics
    primary: PrimaryPsa
    skus: SkuChoices
    evidence: EvidenceFinder

    @property
    def config(self) -> Config:
        return self.context.config

    @property
    def events(self) -> Events:
        return self.context.events

    @property
    def engine(self) -> Engine:
        return self.context.engine

    def close(self) -> None:
        self.context.engine.dispose()


def build(
    config: Config,
    *,
    registry: dict[str, type[Connector]] | None = None,
    clock: Callable[[], datetime] = utcnow,
    announce: Callable[[str], None] = lambda message: None,
    engine: Engine | None = None,
) -> Services:
    """Everything the faces need, built from a plain `Config`.

    Args:
        config: settings; see `reconcile.config.Config`.
        registry: connector classes by kind (tests add fakes); defaults to `connectors.REGISTRY`.
        clock: the time source (tests control it).
        announce: how to tell the user something once (a generated key, say).
        engine: an existing engine to reuse (tests on a per-test PostgreSQL schema).
    """
    if config.embedded:
        owner_only.directory(config.home)
    engine = engine or db.make_engine(config.url)
    if config.auto_upgrade:
        db.upgrade(engine)
    sealer = vault.load(config.encryption_keys, config.home, embedded=config.embedded, announce=announce)
    context = Context(config=config, engine=engine, sessions=db.session_factory(engine), vault=sealer,
                      registry=dict(registry or connectors.REGISTRY), events=Events(), clock=clock)
    integrations = Integrations(context)
    links = Links(context, integrations)
    metrics = Metrics(context, integrations)
    checks = Checks(context, integrations, metrics)
    reconciler = Reconciler(context, checks)
    exceptions = Exceptions(context, links, checks)
    reviews = Reviews(context, links, checks, exceptions, reconciler)

    def after_sync(tenant_id: str, integration_id: int) -> None:
        links.after_sync(tenant_id, integration_id)
        reviews.settle(tenant_id)  # a billing fix is confirmed (or not) by the data a sync brings

    return Services(
        context=context,
        tenants=Tenants(context),
        integrations=integrations,
        syncs=Syncs(context, integrations, after_sync=after_sync),
        links=links,
        checks=checks,
        reconciler=reconciler,
        snapshots=Snapshots(context, reconciler),
        exceptions=exceptions,
        reviews=reviews,
        metrics=metrics,
        primary=PrimaryPsa(context, integrations, links),
        skus=SkuChoices(context),
        evidence=EvidenceFinder(context, checks, links),
    )
