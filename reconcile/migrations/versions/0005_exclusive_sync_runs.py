"""One running sync per integration (a unique partial index), and who runs it: for takeover and "already running"

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:30:00.000000

A database that met the race this closes may hold several `running` runs of one integration;
all but the newest are marked interrupted first, or the unique index could not be built.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.execute("UPDATE sync_runs SET status = 'interrupted', "
               "error = 'interrupted: another sync of the same integration ran at the same time' "
               "WHERE status = 'running' AND id < (SELECT max(newer.id) FROM sync_runs newer "
               "WHERE newer.integration_id = sync_runs.integration_id AND newer.status = 'running')")
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('process_mark', sa.String(length=100), nullable=True))
        batch_op.create_index('uq_sync_runs_running', ['integration_id'], unique=True,
                              sqlite_where=RUNNING, postgresql_where=RUNNING)


def downgrade() -> None:
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_sync_runs_running', sqlite_where=RUNNING, postgresql_where=RUNNING)
        batch_op.drop_column('process_mark')
        batch_op.drop_column('pid')
        batch_op.drop_column('host')
        batch_op.drop_column('started_by')
    op.execute("UPDATE sync_runs SET status = 'failed' WHERE status = 'interrupted'")
