"""foundation tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 12:03:26.357968
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reconcile.tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('sync_run_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_integration_id'), ['integration_id'], unique=False)
        batch_op.create_index('ix_accounts_run', ['sync_run_id', 'external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('sync_run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=200), nullable=False),
    sa.Column('metric', sa.String(length=200), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('last_seen', reconcile.tables.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets'))
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index('ix_assets_run_metric', ['sync_run_id', 'metric', 'account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('quantities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('sync_run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=200), nullable=False),
    sa.Column('metric', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quantities'))
    )
    with op.batch_alter_table('quantities', schema=None) as batch_op:
        batch_op.create_index('ix_quantities_run_metric', ['sync_run_id', 'metric'], unique=False)
        batch_op.create_index(batch_op.f('ix_quantities_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenants',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants'))
    )
    op.create_table('clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('origin_integration_id', sa.Integer(), nullable=True),
    sa.Column('origin_account_id', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_clients_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients'))
    )
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clients_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('integrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('credentials', sa.Text(), nullable=True),
    sa.Column('public_settings', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('disconnected_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.Column('current_run_id', sa.Integer(), nullable=True),
    sa.Column('last_attempt_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.Column('last_success_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_integrations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrations'))
    )
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('uq_integrations_connected_name', ['tenant_id', 'name'], unique=True, sqlite_where=sa.text("status = 'connected'"), postgresql_where=sa.text("status = 'connected'"))

    op.create_table('snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('taken_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('taken_by', sa.String(length=120), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_snapshots_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshots'))
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshots_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_snapshots_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('billed_integration_id', sa.Integer(), nullable=False),
    sa.Column('billed_metrics', sa.JSON(), nullable=False),
    sa.Column('usage_integration_id', sa.Integer(), nullable=False),
    sa.Column('usage_metrics', sa.JSON(), nullable=False),
    sa.Column('seen_within_days', sa.Integer(), nullable=True),
    sa.Column('ratio', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('tolerance_units', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('tolerance_percent', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['billed_integration_id'], ['integrations.id'], name=op.f('fk_checks_billed_integration_id_integrations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_checks_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['usage_integration_id'], ['integrations.id'], name=op.f('fk_checks_usage_integration_id_integrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checks')),
    sa.UniqueConstraint('tenant_id', 'name', name='uq_checks_name')
    )
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checks_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=200), nullable=False),
    sa.Column('account_name', sa.String(length=300), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.Column('decided_via', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_links_client_id_clients')),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_links_integration_id_integrations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_links_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links')),
    sa.UniqueConstraint('integration_id', 'account_id', name='uq_links_account')
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_links_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('snapshot_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('client_name', sa.String(length=300), nullable=False),
    sa.Column('check_name', sa.String(length=200), nullable=False),
    sa.Column('billed', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('actual', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('sources_as_of', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_snapshot_rows_snapshot_id_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_rows'))
    )
    with op.batch_alter_table('snapshot_rows', schema=None) as batch_op:
        batch_op.create_index('ix_snapshot_rows_snapshot', ['snapshot_id', 'client_name'], unique=False)

    op.create_table('sync_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('started_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('finished_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('accounts', sa.Integer(), nullable=False),
    sa.Column('quantities', sa.Integer(), nullable=False),
    sa.Column('assets', sa.Integer(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_sync_runs_integration_id_integrations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sync_runs_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_runs_integration_id'), ['integration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_runs_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_exceptions_check_id_checks')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_exceptions_client_id_clients')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_exceptions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exceptions'))
    )
    with op.batch_alter_table('exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exceptions_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exceptions_tenant_id'))

    op.drop_table('exceptions')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_runs_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_sync_runs_integration_id'))

    op.drop_table('sync_runs')
    with op.batch_alter_table('snapshot_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshot_rows_snapshot')

    op.drop_table('snapshot_rows')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_links_tenant_id'))

    op.drop_table('links')
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checks_tenant_id'))

    op.drop_table('checks')
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_snapshots_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_snapshots_period'))

    op.drop_table('snapshots')
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_index('uq_integrations_connected_name', sqlite_where=sa.text("status = 'connected'"), postgresql_where=sa.text("status = 'connected'"))
        batch_op.drop_index(batch_op.f('ix_integrations_tenant_id'))

    op.drop_table('integrations')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clients_tenant_id'))

    op.drop_table('clients')
    op.drop_table('tenants')
    with op.batch_alter_table('quantities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quantities_tenant_id'))
        batch_op.drop_index('ix_quantities_run_metric')

    op.drop_table('quantities')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_tenant_id'))

    op.drop_table('audit_log')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_tenant_id'))
        batch_op.drop_index('ix_assets_run_metric')

    op.drop_table('assets')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_tenant_id'))
        batch_op.drop_index('ix_accounts_run')
        batch_op.drop_index(batch_op.f('ix_accounts_integration_id'))

    op.drop_table('accounts')
