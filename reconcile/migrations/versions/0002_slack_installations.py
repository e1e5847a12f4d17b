"""Slack installations, bots and OAuth states, for the multi-workspace install

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 14:00:00

The tables are declared in `reconcile/install_tables.py` (see there why column by column).
"""

from __future__ import annotations

from alembic import op

from reconcile.install_tables import TABLES

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in TABLES:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(TABLES):
        table.drop(op.get_bind())
