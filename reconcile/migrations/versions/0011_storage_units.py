"""Storage billed in units: a check's billed unit (GB, TB, GiB, TiB), rounding and included quantity

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:40:00.000000

All NULL for the checks there are: they count plain units, as before. A snapshot row keeps its
result's unit too, so an export of a past month still says "2 TB".
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
        batch_op.add_column(sa.Column('storage_unit', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('storage_rounding', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('storage_included', sa.Numeric(precision=20, scale=4), nullable=True))
    with op.batch_alter_table('snapshot_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('snapshot_rows', schema=None) as batch_op:
        batch_op.drop_column('unit')
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_column('storage_included')
        batch_op.drop_column('storage_rounding')
        batch_op.drop_column('storage_unit')
