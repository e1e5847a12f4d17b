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


def upgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('primary_psa_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('primary_psa_id')
