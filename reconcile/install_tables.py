"""The Slack face's installation store, kept in our database: installations, bots, OAuth states,
and where each tenant is in Slack.

slack_sdk's `SQLAlchemyInstallationStore` and `SQLAlchemyOAuthStateStore` (used by
`bot/oauth.py`) read and write these tables. They are written out here column by column, as
slack_sdk 3.47's `build_installations_table`, `build_bots_table` and `build_oauth_states_table`
build them, because `reconcile` imports no Slack package; `tests/slack/test_oauth.py` compares
them with slack_sdk's builders, so a slack_sdk upgrade that changes them fails a test instead
of a store call. Migration 0002 creates them. Bot tokens are stored as slack_sdk stores them:
in plain text.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reconcile.tables import Base

INSTALLATIONS, BOTS, OAUTH_STATES = "slack_installations", "slack_bots", "slack_oauth_states"


def _columns(kind: str) -> list[Column]:
    """The columns slack_sdk's builders give a table of this kind."""
    team = [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]
    bot = [
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]
    installed = [
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("installed_at", DateTime, nullable=False, default=sa.func.now()),
    ]
    if kind == BOTS:
        return [*team, Column("team_id", String(32)), Column("team_name", String(200)), *bot, *installed]
    return [
        *team, Column("enterprise_url", String(200)), Column("team_id", String(32)), Column("team_name", String(200)),
        *bot,
        Column("user_id", String(32), nullable=False),
        Column("user_token", String(200)),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", String(200)),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", String(200)),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        installed[0],
        Column("token_type", String(32)),
        installed[1],
    ]


def slack_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """The three tables in `metadata` (built once; later calls return the same tables)."""
    if INSTALLATIONS not in metadata.tables:
        sa.Table(INSTALLATIONS, metadata, *_columns(INSTALLATIONS),
                 Index(f"{INSTALLATIONS}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"))
        sa.Table(BOTS, metadata, *_columns(BOTS),
                 Index(f"{BOTS}_idx", "client_id", "enterprise_id", "team_id", "installed_at"))
        sa.Table(OAUTH_STATES, metadata,
                 Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("state", String(200), nullable=False),
                 Column("expire_at", DateTime, nullable=False))
    return [metadata.tables[name] for name in (INSTALLATIONS, BOTS, OAUTH_STATES)]


TABLES = slack_tables(Base.metadata)


class TenantWorkspace(Base):
    """Where a tenant is in Slack, in the three keys the installation store finds its bot by.

    A workspace: its team id, and its enterprise id when it belongs to an Enterprise Grid org.
    An org-wide install: the enterprise id alone, `is_enterprise_install` set. Written at
    install; migration 0006 filled it in for installs made before.
    """

    __tablename__ = "tenant_workspaces"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
