"""The plain configuration the core is built from. Only `bot/settings.py` reads the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from connectors.http import DEFAULT_POLICY, HttpPolicy

LOCAL_TENANT = "local"


@dataclass(frozen=True)
class Config:
    """Everything `bootstrap.build()` needs.

    Attributes:
        home: where the embedded database and the generated key live (`BILLREC_HOME`).
        database_url: SQLAlchemy URL; empty means SQLite at `home/billrec.db`.
        encryption_keys: Fernet keys, the first encrypts, all decrypt; empty means a key
            generated into `home` (embedded default only).
        stale_after: a source whose last good sync is older than this is stale.
        drop_threshold: a sync whose totals fall by more than this fraction is held.
        allow_private_urls: False refuses integration URLs that are not https or that reach
            loopback, private or link-local addresses (see `reconcile.urls`); the Slack OAuth
            install, where strangers connect integrations, turns it off.
    """

    home: Path
    database_url: str = ""
    encryption_keys: tuple[str, ...] = ()
    stale_after: timedelta = timedelta(hours=48)
    drop_threshold: Decimal = Decimal("0.5")
    http_policy: HttpPolicy = field(default=DEFAULT_POLICY)
    auto_upgrade: bool = True
    allow_private_urls: bool = True

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'billrec.db'}"

    @property
    def embedded(self) -> bool:
        return not self.database_url or self.database_url.startswith("sqlite")
