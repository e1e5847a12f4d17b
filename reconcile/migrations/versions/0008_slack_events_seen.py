"""Events API event ids already handled, so Slack's retries of one event do its work once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00.000000

The table is declared in `reconcile/delivery_tables.py`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reconcile.tables

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_events_seen',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('seen_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_slack_events_seen'))
    )
    with op.batch_alter_table('slack_events_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_events_seen_seen_at'), ['seen_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('slack_events_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_events_seen_seen_at'))

    op.drop_table('slack_events_seen')
