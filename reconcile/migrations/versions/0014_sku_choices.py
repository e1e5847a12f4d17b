"""Per-tenant SKU choices: a free, trial or viral Microsoft SKU included, or a paid one excluded

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:30:00.000000

Declared in `reconcile/tables.py` (`SkuChoice`). No rows: every tenant keeps the default (free,
trial and viral SKUs count in no check). The integrator renumbers and chains at merge.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sku_choices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('sku', sa.String(length=120), nullable=False),
        sa.Column('counted', sa.Boolean(), nullable=False),
        sa.Column('decided_by', sa.String(length=120), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name='fk_sku_choices_tenant_id_tenants'),
        sa.PrimaryKeyConstraint('id', name='pk_sku_choices'),
        sa.UniqueConstraint('tenant_id', 'sku', name='uq_sku_choices_sku'),
    )
    op.create_index('ix_sku_choices_tenant_id', 'sku_choices', ['tenant_id'])


def downgrade() -> None:
    op.drop_index('ix_sku_choices_tenant_id', table_name='sku_choices')
    op.drop_table('sku_choices')
