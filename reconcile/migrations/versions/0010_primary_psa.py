"""The tenant's primary PSA: the billing-side integration whose companies are the clients

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:15:00.000000

NULL means none named yet: the first PSA connected founds the clients and is then recorded here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch copy: SQLite cannot drop the old copy of tenants while other
# tables' foreign keys point at its rows (3.35+ drops columns natively).
def upgrade() -> None:
    op.add_column('tenants', sa.Column('primary_psa_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('tenants', 'primary_psa_id')
