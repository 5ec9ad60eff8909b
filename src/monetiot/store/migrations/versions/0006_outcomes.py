"""outcome contracts and settled periods

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import monetiot.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_contracts",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"], name=op.f("fk_outcome_contracts_tenant_id_customers")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outcome_contracts")),
    )
    with op.batch_alter_table("outcome_contracts", schema=None) as batch_op:
        batch_op.create_index("ix_outcome_contracts_customer", ["tenant_id", "customer_id"], unique=False)
    op.create_table(
        "outcome_settlements",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("contract_id", sa.String(length=100), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("charge_id", sa.String(length=200), nullable=False),
        sa.Column("savings", monetiot.store.types.ExactDecimal(), nullable=True),
        sa.Column("fee", monetiot.store.types.ExactDecimal(), nullable=False),
        sa.Column("fee_due", monetiot.store.types.ExactDecimal(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("settled_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "contract_id"], ["outcome_contracts.tenant_id", "outcome_contracts.id"], name=op.f("fk_outcome_settlements_tenant_id_outcome_contracts")),
        sa.PrimaryKeyConstraint("tenant_id", "contract_id", "start_ms", name=op.f("pk_outcome_settlements")),
    )


def downgrade() -> None:
    op.drop_table("outcome_settlements")
    with op.batch_alter_table("outcome_contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_contracts_customer")
    op.drop_table("outcome_contracts")
