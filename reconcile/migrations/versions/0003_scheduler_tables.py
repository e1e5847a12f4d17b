"""Scheduler tables: APScheduler's job store, job runs, the digest journal, alerts sent, clock leader

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:28:19.456417

`apscheduler_jobs` has exactly the columns APScheduler's `SQLAlchemyJobStore` declares, so
Alembic creates it and the job store finds it already there. The tables are declared in
`reconcile/schedule_tables.py`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reconcile.tables

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=300), nullable=False),
    sa.Column('check_name', sa.String(length=200), nullable=False),
    sa.Column('variance', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('impact', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('ts', sa.String(length=40), nullable=True),
    sa.Column('at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('cleared_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts_sent'))
    )
    with op.batch_alter_table('alerts_sent', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_sent_key', ['tenant_id', 'client', 'check_name'], unique=False)

    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('clock_leader',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('since', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('beat_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_clock_leader'))
    )
    op.create_table('digest_journal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('step', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_journal')),
    sa.UniqueConstraint('tenant_id', 'period', 'step', name='uq_digest_journal_step')
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('slot', reconcile.tables.UTCDateTime(), nullable=True),
    sa.Column('started_at', reconcile.tables.UTCDateTime(), nullable=False),
    sa.Column('finished_at', reconcile.tables.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('runner', sa.String(length=120), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_slot', ['job_id', 'slot'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_runs_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_tenant_id'))
        batch_op.drop_index('ix_job_runs_job_slot')

    op.drop_table('job_runs')
    op.drop_table('digest_journal')
    op.drop_table('clock_leader')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
    with op.batch_alter_table('alerts_sent', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_sent_key')

    op.drop_table('alerts_sent')
