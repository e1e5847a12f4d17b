"""Three-way licence checks: a check's bought side, a bought quantity's term, a result's buying variance

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 07:30:00.000000

All NULL for what there is: checks stay two-sided, quantities carry no term, snapshot rows no bought
side. A later sync fills in the terms of bought subscriptions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(precision=20, scale=4)


# Plain ALTER TABLE, not batch copies: SQLite cannot drop the old copy of checks while exceptions
# and results refer to its rows (3.35+ adds and drops columns natively).
def upgrade() -> None:
    op.add_column('quantities', sa.Column('term_billing_cycle', sa.String(length=40), nullable=True))
    op.add_column('quantities', sa.Column('term_commitment', sa.String(length=40), nullable=True))
    op.add_column('quantities', sa.Column('term_ends', sa.Date(), nullable=True))
    op.add_column('quantities', sa.Column('term_renews', sa.Date(), nullable=True))
    op.add_column('checks', sa.Column('bought_integration_id', sa.Integer(), nullable=True))
    op.add_column('checks', sa.Column('bought_metrics', sa.JSON(), nullable=True))
    op.add_column('snapshot_rows', sa.Column('bought', AMOUNT, nullable=True))
    op.add_column('snapshot_rows', sa.Column('bought_price', AMOUNT, nullable=True))
    op.add_column('snapshot_rows', sa.Column('bought_at_cost', sa.Boolean(), nullable=True))
    op.add_column('snapshot_rows', sa.Column('buying', sa.String(length=40), nullable=True))
    op.add_column('snapshot_rows', sa.Column('reducible', sa.Text(), nullable=True))
    op.add_column('snapshot_rows', sa.Column('renews_on', sa.Date(), nullable=True))


def downgrade() -> None:
    for column in ('renews_on', 'reducible', 'buying', 'bought_at_cost', 'bought_price', 'bought'):
        op.drop_column('snapshot_rows', column)
    op.drop_column('checks', 'bought_metrics')
    op.drop_column('checks', 'bought_integration_id')
    for column in ('term_renews', 'term_ends', 'term_commitment', 'term_billing_cycle'):
        op.drop_column('quantities', column)
