"""initial schema

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import monetiot.store.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=200), nullable=False),
    sa.Column('time_ms', sa.BigInteger(), nullable=False),
    sa.Column('received_ms', sa.BigInteger(), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=True),
    sa.Column('customer_id', sa.String(length=100), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_customer_time', ['tenant_id', 'customer_id', 'time_ms'], unique=False)
        batch_op.create_index('ix_events_device_time', ['tenant_id', 'device_id', 'time_ms'], unique=False)

    op.create_table('presence',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=False),
    sa.Column('minute_ms', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'device_id', 'minute_ms', name=op.f('pk_presence'))
    )
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.create_index('ix_presence_customer', ['tenant_id', 'customer_id', 'minute_ms'], unique=False)

    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('received_ms', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=True),
    sa.Column('record', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('resolved_ms', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine'))
    )
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.create_index('ix_quarantine_tenant_status', ['tenant_id', 'status', 'id'], unique=False)

    op.create_table('rollup_values',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('meter_id', sa.String(length=100), nullable=False),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=False),
    sa.Column('group_key', sa.String(length=500), nullable=False),
    sa.Column('bucket_ms', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'meter_id', 'customer_id', 'device_id', 'group_key', 'bucket_ms', 'value', name=op.f('pk_rollup_values'))
    )
    op.create_table('rollups',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('meter_id', sa.String(length=100), nullable=False),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=False),
    sa.Column('group_key', sa.String(length=500), nullable=False),
    sa.Column('bucket_ms', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('sum', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('min', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.Column('max', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.Column('latest_ms', sa.BigInteger(), nullable=True),
    sa.Column('latest_value', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'meter_id', 'customer_id', 'device_id', 'group_key', 'bucket_ms', name=op.f('pk_rollups'))
    )
    with op.batch_alter_table('rollups', schema=None) as batch_op:
        batch_op.create_index('ix_rollups_meter_bucket', ['tenant_id', 'meter_id', 'bucket_ms'], unique=False)

    op.create_table('tenants',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('revoked_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_api_keys_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys'))
    )
    op.create_table('customers',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_customers'))
    )
    op.create_table('device_profiles',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('spec', sa.Text(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_device_profiles_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_device_profiles'))
    )
    op.create_table('devices',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('profile_id', sa.String(length=100), nullable=True),
    sa.Column('secret_hash', sa.String(length=200), nullable=True),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('last_seen_ms', sa.BigInteger(), nullable=True),
    sa.Column('reported_state', sa.String(length=10), nullable=True),
    sa.Column('reported_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_devices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_devices'))
    )
    op.create_table('meters',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('property', sa.String(length=200), nullable=True),
    sa.Column('aggregation', sa.String(length=20), nullable=False),
    sa.Column('filters', sa.Text(), nullable=False),
    sa.Column('group_by', sa.Text(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_meters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_meters'))
    )
    op.create_table('assignments',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=False),
    sa.Column('valid_from_ms', sa.BigInteger(), nullable=False),
    sa.Column('valid_to_ms', sa.BigInteger(), nullable=True),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_assignments_tenant_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'device_id'], ['devices.tenant_id', 'devices.id'], name=op.f('fk_assignments_tenant_id_devices')),
    sa.PrimaryKeyConstraint('tenant_id', 'device_id', 'valid_from_ms', name=op.f('pk_assignments'))
    )


def downgrade() -> None:
    op.drop_table('assignments')
    op.drop_table('meters')
    op.drop_table('devices')
    op.drop_table('device_profiles')
    op.drop_table('customers')
    op.drop_table('api_keys')
    op.drop_table('tenants')
    with op.batch_alter_table('rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_rollups_meter_bucket')

    op.drop_table('rollups')
    op.drop_table('rollup_values')
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.drop_index('ix_quarantine_tenant_status')

    op.drop_table('quarantine')
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_index('ix_presence_customer')

    op.drop_table('presence')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_device_time')
        batch_op.drop_index('ix_events_customer_time')

    op.drop_table('events')
