"""Slack installations, bots and OAuth states, for the multi-workspace install

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 14:00:00

The tables are slack_sdk's own (`SQLAlchemyInstallationStore` and `SQLAlchemyOAuthStateStore`
read and write them), built with slack_sdk's table builders so their columns always match the
store's code, and built into our `Base.metadata` so that comparing the metadata with the
database (autogenerate, the storage test) sees them as declared rather than as strays to drop.
Alembic imports this module whenever it reads the migrations, which is when that comparison
happens. Bot tokens are stored as slack_sdk stores them: in plain text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from reconcile.tables import Base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
BOTS = SQLAlchemyInstallationStore.default_bots_table_name
OAUTH_STATES = SQLAlchemyOAuthStateStore.default_table_name


def slack_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """slack_sdk's three tables in `metadata` (built once; later calls return the same tables)."""
    builders = {
        INSTALLATIONS: SQLAlchemyInstallationStore.build_installations_table,
        BOTS: SQLAlchemyInstallationStore.build_bots_table,
        OAUTH_STATES: SQLAlchemyOAuthStateStore.build_oauth_states_table,
    }
    return [metadata.tables[name] if name in metadata.tables else build(metadata, name)
            for name, build in builders.items()]


TABLES = slack_tables(Base.metadata)


def upgrade() -> None:
    for table in TABLES:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(TABLES):
        table.drop(op.get_bind())
