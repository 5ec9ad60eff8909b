"""asset sharing: owners, assets, members, bookings, sessions, revenue ledger

No double booking: on PostgreSQL an exclusion constraint over (tenant, asset, [start, end)) for
bookings that are not cancelled (btree_gist gives GiST the `=` on text); on SQLite writers are
serialised (BEGIN IMMEDIATE) and the overlap check runs in the booking's transaction.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import monetiot.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

EXACT = monetiot.store.types.ExactDecimal


def upgrade() -> None:
    op.create_table(
        "sharing_owners",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.String(length=100), nullable=True),
        sa.Column("platform_fee_percent", EXACT(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_sharing_owners_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sharing_owners")),
    )
    op.create_table(
        "sharing_assets",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=100), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("tariff", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("platform_fee_percent", EXACT(), nullable=True),
        sa.Column("energy_meter", sa.String(length=100), nullable=True),
        sa.Column("state_event", sa.String(length=200), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"],
                                name=op.f("fk_sharing_assets_tenant_id_devices")),
        sa.ForeignKeyConstraint(["tenant_id", "owner_id"],
                                ["sharing_owners.tenant_id", "sharing_owners.id"],
                                name=op.f("fk_sharing_assets_tenant_id_sharing_owners")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sharing_assets")),
    )
    op.create_table(
        "sharing_members",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "customer_id"],
                                ["customers.tenant_id", "customers.id"],
                                name=op.f("fk_sharing_members_tenant_id_customers")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sharing_members")),
    )
    op.create_table(
        "sharing_bookings",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("asset_id", sa.String(length=100), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("estimated_price", EXACT(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fee", EXACT(), nullable=True),
        sa.Column("session_id", sa.String(length=100), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("closed_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id", "asset_id"],
                                ["sharing_assets.tenant_id", "sharing_assets.id"],
                                name=op.f("fk_sharing_bookings_tenant_id_sharing_assets")),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"],
                                ["sharing_members.tenant_id", "sharing_members.id"],
                                name=op.f("fk_sharing_bookings_tenant_id_sharing_members")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sharing_bookings")),
    )
    with op.batch_alter_table("sharing_bookings", schema=None) as batch_op:
        batch_op.create_index("ix_sharing_bookings_asset", ["tenant_id", "asset_id", "start_ms"],
                              unique=False)
        batch_op.create_index("ix_sharing_bookings_status", ["tenant_id", "status", "start_ms"],
                              unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE sharing_bookings ADD CONSTRAINT ex_sharing_bookings_slot "
            "EXCLUDE USING gist (tenant_id WITH =, asset_id WITH =, "
            "int8range(start_ms, end_ms) WITH &&) WHERE (status <> 'cancelled')")
    op.create_table(
        "sharing_sessions",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("asset_id", sa.String(length=100), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("booking_id", sa.String(length=100), nullable=True),
        sa.Column("access", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("stop_ms", sa.BigInteger(), nullable=True),
        sa.Column("stopped_by", sa.String(length=12), nullable=True),
        sa.Column("tariff", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("energy_kwh", EXACT(), nullable=True),
        sa.Column("in_use_ms", sa.BigInteger(), nullable=True),
        sa.Column("idle_ms", sa.BigInteger(), nullable=True),
        sa.Column("amount", EXACT(), nullable=True),
        sa.Column("cost", sa.Text(), nullable=True),
        sa.Column("charge_id", sa.String(length=200), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "asset_id"],
                                ["sharing_assets.tenant_id", "sharing_assets.id"],
                                name=op.f("fk_sharing_sessions_tenant_id_sharing_assets")),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"],
                                ["sharing_members.tenant_id", "sharing_members.id"],
                                name=op.f("fk_sharing_sessions_tenant_id_sharing_members")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sharing_sessions")),
    )
    with op.batch_alter_table("sharing_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sharing_sessions_asset", ["tenant_id", "asset_id", "start_ms"],
                              unique=False)
        batch_op.create_index("ux_sharing_sessions_active", ["tenant_id", "asset_id"],
                              unique=True, sqlite_where=sa.text("status = 'active'"),
                              postgresql_where=sa.text("status = 'active'"))
    op.create_table(
        "sharing_revenue",
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("asset_id", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.String(length=100), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("energy_kwh", EXACT(), nullable=False),
        sa.Column("collected", EXACT(), nullable=False),
        sa.Column("platform_fee_percent", EXACT(), nullable=False),
        sa.Column("platform_fee", EXACT(), nullable=False),
        sa.Column("owner_payout", EXACT(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sharing_revenue")),
    )
    with op.batch_alter_table("sharing_revenue", schema=None) as batch_op:
        batch_op.create_index("ix_sharing_revenue_owner", ["tenant_id", "owner_id", "at_ms"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("sharing_revenue")
    op.drop_table("sharing_sessions")
    op.drop_table("sharing_bookings")
    op.drop_table("sharing_members")
    op.drop_table("sharing_assets")
    op.drop_table("sharing_owners")
