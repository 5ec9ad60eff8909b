"""voided events (a correction kept in the record) and the order coupons were applied in

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voided_ms", sa.BigInteger(), nullable=True))
    op.create_table(
        "event_voids",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("event_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=True),
        sa.Column("customer_id", sa.String(length=100), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "event_id", name=op.f("pk_event_voids")),
    )
    with op.batch_alter_table("coupon_redemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.BigInteger(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("coupon_redemptions", schema=None) as batch_op:
        batch_op.drop_column("sequence")
    op.drop_table("event_voids")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("voided_ms")
