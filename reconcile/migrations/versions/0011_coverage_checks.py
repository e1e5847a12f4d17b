"""Checks gain a kind, "quantity" (every check so far) or "coverage"; snapshot rows keep a gap's device and class

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:30:00.000000

The column is declared in `reconcile/tables.py` (`CheckRow.kind`, `SnapshotRow.device`,
`SnapshotRow.device_class`); existing checks are quantity checks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='quantity', nullable=False))
    with op.batch_alter_table('snapshot_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('device_class', sa.String(length=60), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('snapshot_rows', schema=None) as batch_op:
        batch_op.drop_column('device_class')
        batch_op.drop_column('device')
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_column('kind')
