"""What every service shares: the database, the vault, the connector registry, events, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Connector
from reconcile.config import Config
from reconcile.events import Events
from reconcile.vault import Vault


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault
    registry: dict[str, type[Connector]]
    events: Events
    clock: Callable[[], datetime] = utcnow
