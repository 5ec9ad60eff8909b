"""indexes for billing: a customer's assignments, a customer's rollups of a meter

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index("ix_assignments_customer",
                              ["tenant_id", "customer_id", "valid_from_ms"], unique=False)
    with op.batch_alter_table("rollups", schema=None) as batch_op:
        batch_op.create_index("ix_rollups_meter_customer_bucket",
                              ["tenant_id", "meter_id", "customer_id", "bucket_ms"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_rollups_meter_customer_bucket")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_customer")
