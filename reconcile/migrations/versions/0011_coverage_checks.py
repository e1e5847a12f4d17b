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


# Plain ALTER TABLE, not batch copies: SQLite cannot drop the old copy of checks while exceptions
# and results refer to its rows (3.35+ adds and drops columns natively).
def upgrade() -> None:
    op.add_column('checks', sa.Column('kind', sa.String(length=20), server_default='quantity', nullable=False))
    op.add_column('snapshot_rows', sa.Column('device', sa.String(length=300), server_default='', nullable=False))
    op.add_column('snapshot_rows', sa.Column('device_class', sa.String(length=60), server_default='', nullable=False))


def downgrade() -> None:
    op.drop_column('snapshot_rows', 'device_class')
    op.drop_column('snapshot_rows', 'device')
    op.drop_column('checks', 'kind')
