"""Where each tenant is in Slack (team, enterprise, org-wide), so scheduled posts find its bot like Bolt does

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:40:00

Installs made before this revision are filled in from `slack_bots`: each bot row's tenant is
its enterprise id for an org-wide install, else its team id (`bot.oauth.tenant_of`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenant_workspaces',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('enterprise_id', sa.String(length=32), nullable=True),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_workspaces_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_tenant_workspaces'))
    )
    bind = op.get_bind()
    tenants = {row[0] for row in bind.execute(sa.text("select id from tenants"))}
    found: dict[str, tuple[str | None, str | None, bool]] = {}
    bots = bind.execute(sa.text("select team_id, enterprise_id, is_enterprise_install from slack_bots "
                                "order by installed_at"))
    for team_id, enterprise_id, org_wide in bots:  # oldest first: the latest install of a tenant wins
        tenant = enterprise_id if org_wide and enterprise_id else team_id
        if tenant in tenants:
            found[tenant] = (None if org_wide else team_id, enterprise_id, bool(org_wide))
    if found:
        op.bulk_insert(sa.table('tenant_workspaces', sa.column('tenant_id'), sa.column('team_id'),
                                sa.column('enterprise_id'), sa.column('is_enterprise_install', sa.Boolean)),
                       [{"tenant_id": tenant, "team_id": team, "enterprise_id": enterprise,
                         "is_enterprise_install": org_wide} for tenant, (team, enterprise, org_wide) in found.items()])


def downgrade() -> None:
    op.drop_table('tenant_workspaces')
