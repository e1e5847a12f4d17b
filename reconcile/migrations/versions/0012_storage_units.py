"""Storage billed in units: a check's billed unit (GB, TB, GiB, TiB), rounding and included quantity

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:40:00.000000

All NULL for the checks there are: they count plain units, as before. A snapshot row keeps its
result's unit too, so an export of a past month still says "2 TB".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch copies: SQLite cannot drop the old copy of checks while exceptions
# and results refer to its rows (3.35+ adds and drops columns natively).
def upgrade() -> None:
    op.add_column('checks', sa.Column('storage_unit', sa.String(length=8), nullable=True))
    op.add_column('checks', sa.Column('storage_rounding', sa.String(length=16), nullable=True))
    op.add_column('checks', sa.Column('storage_included', sa.Numeric(precision=20, scale=4), nullable=True))
    op.add_column('snapshot_rows', sa.Column('unit', sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column('snapshot_rows', 'unit')
    op.drop_column('checks', 'storage_included')
    op.drop_column('checks', 'storage_rounding')
    op.drop_column('checks', 'storage_unit')
