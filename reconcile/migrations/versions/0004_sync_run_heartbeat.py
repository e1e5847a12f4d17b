"""Sync runs beat as they go, so a run whose process died is recognised in minutes, not hours

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:51:42.703334
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reconcile.tables

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', reconcile.tables.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
