"""The only place that reads the environment (and `.env`): turns it into a `reconcile.config.Config`.

| variable | meaning | default |
|---|---|---|
| `BILLREC_HOME` | embedded database, generated key, logs | `~/.billrec` |
| `DATABASE_URL` | SQLAlchemy URL; `postgresql://…` for production | SQLite in `BILLREC_HOME` |
| `BILLREC_ENCRYPTION_KEY` | Fernet key(s), comma-separated, first encrypts | generated into `BILLREC_HOME` (SQLite only) |
| `BILLREC_TENANT` | tenant the CLI works on | `local`, or the Slack team in single-workspace mode |
| `BILLREC_STALE_AFTER_HOURS` | default age after which a source is stale | 48 |
| `BILLREC_ALLOW_PRIVATE_URLS` | `1` lets OAuth-mode integrations use http and private addresses | on, off in OAuth mode |
| `SLACK_*` | the Slack face; see `docs/slack.md` | — |
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from reconcile.config import LOCAL_TENANT, Config


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      case_sensitive=False)

    billrec_home: Path = Field(default_factory=lambda: Path.home() / ".billrec")
    database_url: str = ""
    billrec_encryption_key: SecretStr = SecretStr("")
    billrec_tenant: str = ""
    billrec_stale_after_hours: int = 48
    billrec_log_level: str = "INFO"
    # only read in OAuth mode, where strangers connect integrations; see reconcile/urls.py
    billrec_allow_private_urls: bool = False

    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = SecretStr("")
    slack_client_id: str = ""
    slack_client_secret: SecretStr = SecretStr("")
    slack_api_url: str = "https://slack.com/api/"
    slack_team_id: str = ""
    slack_token_rotation: bool = False
    # where the OAuth install page sends the browser (a stand-in Slack in tests and the demo)
    slack_authorize_url: str = "https://slack.com/oauth/v2/authorize"

    def config(self) -> Config:
        keys = tuple(k.strip() for k in self.billrec_encryption_key.get_secret_value().split(",") if k.strip())
        return Config(
            home=self.billrec_home.expanduser(),
            database_url=self.database_url.strip(),
            encryption_keys=keys,
            stale_after=timedelta(hours=self.billrec_stale_after_hours),
            allow_private_urls=self.billrec_allow_private_urls or not self.oauth_install,
        )

    @property
    def oauth_install(self) -> bool:
        """Multi-workspace mode: any workspace's admins, not just the operator, connect integrations."""
        return bool(self.slack_client_id and self.slack_client_secret.get_secret_value())

    @property
    def tenant(self) -> str:
        return self.billrec_tenant or self.slack_team_id or LOCAL_TENANT


def load() -> Settings:
    return Settings()
