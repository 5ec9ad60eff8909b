"""plans and plan versions

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plans',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('latest_version', sa.Integer(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_plans_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_plans'))
    )
    op.create_table('plan_versions',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'plan_id'], ['plans.tenant_id', 'plans.id'], name=op.f('fk_plan_versions_tenant_id_plans')),
    sa.PrimaryKeyConstraint('tenant_id', 'plan_id', 'version', name=op.f('pk_plan_versions'))
    )


def downgrade() -> None:
    op.drop_table('plan_versions')
    op.drop_table('plans')
