"""An integration's last error carries its kind, so anyone may be told what went wrong in words

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000

Errors recorded before this have no kind; they are shown as "the last sync failed" to those
who may not read the vendor's words.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error_kind', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_column('last_error_kind')
