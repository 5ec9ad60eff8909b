"""pending charges: outcome fees, sessions and one-off charges waiting for an invoice

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import monetiot.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_charges",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quantity", monetiot.store.types.ExactDecimal(), nullable=True),
        sa.Column("unit_price", monetiot.store.types.ExactDecimal(), nullable=True),
        sa.Column("amount", monetiot.store.types.ExactDecimal(), nullable=False),
        sa.Column("covers_start_ms", sa.BigInteger(), nullable=True),
        sa.Column("covers_end_ms", sa.BigInteger(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_pending_charges")),
    )
    with op.batch_alter_table("pending_charges", schema=None) as batch_op:
        batch_op.create_index("ix_pending_charges_open",
                              ["tenant_id", "customer_id", "invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_charges_open")
    op.drop_table("pending_charges")
