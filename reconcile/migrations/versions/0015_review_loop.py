"""The review loop: billing fixes promised in the report thread, and usage declared not billable

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:30:00.000000

Two new tables, nothing else changes: acknowledgements stay exceptions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reconcile.tables

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(precision=20, scale=4)


def upgrade() -> None:
    op.create_table(
        'billing_fixes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('check_id', sa.Integer(), nullable=False),
        sa.Column('billed_before', AMOUNT, nullable=False),
        sa.Column('actual_before', AMOUNT, nullable=False),
        sa.Column('unit_price', AMOUNT, nullable=True),
        sa.Column('expected_by', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('created_via', sa.String(length=20), nullable=False),
        sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('resolved_at', reconcile.tables.UTCDateTime(), nullable=True),
        sa.Column('reopened_at', reconcile.tables.UTCDateTime(), nullable=True),
        sa.Column('billed_after', AMOUNT, nullable=True),
        sa.Column('recovered', AMOUNT, nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_billing_fixes_tenant_id_tenants')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_billing_fixes_client_id_clients')),
        sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_billing_fixes_check_id_checks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_fixes')),
    )
    op.create_index(op.f('ix_billing_fixes_tenant_id'), 'billing_fixes', ['tenant_id'], unique=False)
    op.create_table(
        'not_billable',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('check_id', sa.Integer(), nullable=False),
        sa.Column('integration_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.String(length=200), nullable=False),
        sa.Column('account_name', sa.String(length=300), nullable=False),
        sa.Column('asset_id', sa.String(length=200), nullable=True),
        sa.Column('asset_name', sa.String(length=300), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', reconcile.tables.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_not_billable_tenant_id_tenants')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_not_billable_client_id_clients')),
        sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_not_billable_check_id_checks')),
        sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'],
                                name=op.f('fk_not_billable_integration_id_integrations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_not_billable')),
    )
    op.create_index(op.f('ix_not_billable_tenant_id'), 'not_billable', ['tenant_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_not_billable_tenant_id'), table_name='not_billable')
    op.drop_table('not_billable')
    op.drop_index(op.f('ix_billing_fixes_tenant_id'), table_name='billing_fixes')
    op.drop_table('billing_fixes')
