"""A snapshot row keeps a storage result's usage in its unit, so a client's history shows the trend

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 07:45:00.000000

`actual` is what should be billed (started TB beyond the free ones), which moves in whole units; the
usage itself ("2.31 TB") is what grows month over month. NULL for every other result, and for
storage rows frozen before this revision (their history shows no trend for those months).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch copy (see 0012).
def upgrade() -> None:
    op.add_column('snapshot_rows', sa.Column('used', sa.Numeric(precision=20, scale=4), nullable=True))


def downgrade() -> None:
    op.drop_column('snapshot_rows', 'used')
