"""A client may be created by hand from a vendor account no PSA company matches; who did it is kept

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:30:00.000000

Clients created before this were all founded by a sync, so NULL is right for every existing row.
A link's new `ignored` status needs no schema change (the column is a plain string).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch copy: clients is what links and exceptions refer to, and SQLite
# (3.35+ drops columns natively) cannot drop the old copy while foreign keys point at its rows.
def upgrade() -> None:
    op.add_column('clients', sa.Column('created_by', sa.String(length=120), nullable=True))


def downgrade() -> None:
    op.drop_column('clients', 'created_by')
