"""billing

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import monetiot.store.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coupon_redemptions',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('coupon_id', sa.String(length=100), nullable=False),
    sa.Column('subscription_id', sa.String(length=100), nullable=False),
    sa.Column('applied_periods', sa.Integer(), nullable=False),
    sa.Column('remaining', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'coupon_id', 'subscription_id', name=op.f('pk_coupon_redemptions'))
    )
    op.create_table('coupons',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('percent', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.Column('duration', sa.String(length=12), nullable=False),
    sa.Column('periods', sa.Integer(), nullable=True),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coupons'))
    )
    op.create_table('credit_notes',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('invoice_id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('tax', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('refund', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('lines', sa.Text(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('tenant_id', 'idempotency_key', name='uq_credit_notes_key'),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_credit_notes_number')
    )
    op.create_table('invoice_counters',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('next_number', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_invoice_counters'))
    )
    op.create_table('invoice_lines',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('invoice_id', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('charge_id', sa.String(length=100), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('meter_id', sa.String(length=100), nullable=True),
    sa.Column('quantity', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.Column('unit_price', monetiot.store.types.ExactDecimal(), nullable=True),
    sa.Column('amount', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('amount_due', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('tax_rate', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('tax_due', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('covers_start_ms', sa.BigInteger(), nullable=True),
    sa.Column('covers_end_ms', sa.BigInteger(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'invoice_id', 'position', name=op.f('pk_invoice_lines'))
    )
    op.create_table('invoices',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.Column('subscription_id', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('boundary_ms', sa.BigInteger(), nullable=False),
    sa.Column('period_start_ms', sa.BigInteger(), nullable=False),
    sa.Column('period_end_ms', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('tax', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('total', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('credited', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('paid', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('finalized_ms', sa.BigInteger(), nullable=True),
    sa.Column('due_ms', sa.BigInteger(), nullable=True),
    sa.Column('paid_ms', sa.BigInteger(), nullable=True),
    sa.Column('voided_ms', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_invoices_number'),
    sa.UniqueConstraint('tenant_id', 'subscription_id', 'kind', 'boundary_ms', name='uq_invoices_once_per_boundary')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_customer', ['tenant_id', 'customer_id', 'period_start_ms'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('tenant_id', 'event_id', name='uq_outbox_event')
    )
    op.create_table('payments',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('invoice_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=True),
    sa.Column('provider_ref', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_payments')),
    sa.UniqueConstraint('tenant_id', 'idempotency_key', name='uq_payments_key')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_invoice', ['tenant_id', 'invoice_id'], unique=False)

    op.create_table('subscription_pauses',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('subscription_id', sa.String(length=100), nullable=False),
    sa.Column('start_ms', sa.BigInteger(), nullable=False),
    sa.Column('end_ms', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'subscription_id', 'start_ms', name=op.f('pk_subscription_pauses'))
    )
    op.create_table('subscription_phases',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('subscription_id', sa.String(length=100), nullable=False),
    sa.Column('start_ms', sa.BigInteger(), nullable=False),
    sa.Column('end_ms', sa.BigInteger(), nullable=True),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'subscription_id', 'start_ms', name=op.f('pk_subscription_phases'))
    )
    op.create_table('usage_billed',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('subscription_id', sa.String(length=100), nullable=False),
    sa.Column('charge_id', sa.String(length=100), nullable=False),
    sa.Column('period_start_ms', sa.BigInteger(), nullable=False),
    sa.Column('period_end_ms', sa.BigInteger(), nullable=False),
    sa.Column('quantity', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('amount', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('invoice_id', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'subscription_id', 'charge_id', 'period_start_ms', name=op.f('pk_usage_billed'))
    )
    op.create_table('wallet_transactions',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('expires_ms', sa.BigInteger(), nullable=True),
    sa.Column('invoice_id', sa.String(length=40), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_wallet_transactions')),
    sa.UniqueConstraint('tenant_id', 'idempotency_key', name='uq_wallet_key')
    )
    with op.batch_alter_table('wallet_transactions', schema=None) as batch_op:
        batch_op.create_index('ix_wallet_customer', ['tenant_id', 'customer_id', 'currency', 'created_ms'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('endpoint_id', sa.String(length=40), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_ms', sa.BigInteger(), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_ms', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('tenant_id', 'endpoint_id', 'outbox_id', name='uq_deliveries_once')
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_due', ['status', 'next_attempt_ms'], unique=False)

    op.create_table('webhook_endpoints',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('types', sa.Text(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('customer_billing',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.Column('tax_rate', monetiot.store.types.ExactDecimal(), nullable=False),
    sa.Column('tax_inclusive', sa.Integer(), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_customer_billing_tenant_id_customers')),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_customer_billing'))
    )
    op.create_table('subscriptions',
    sa.Column('tenant_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('customer_id', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('anchor', sa.String(length=12), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('start_ms', sa.BigInteger(), nullable=False),
    sa.Column('end_ms', sa.BigInteger(), nullable=True),
    sa.Column('trial_end_ms', sa.BigInteger(), nullable=True),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('billed_until_ms', sa.BigInteger(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_subscriptions_tenant_id_customers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_subscriptions'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_customer', ['tenant_id', 'customer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriptions_customer')

    op.drop_table('subscriptions')
    op.drop_table('customer_billing')
    op.drop_table('webhook_endpoints')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_due')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('wallet_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_wallet_customer')

    op.drop_table('wallet_transactions')
    op.drop_table('usage_billed')
    op.drop_table('subscription_phases')
    op.drop_table('subscription_pauses')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_invoice')

    op.drop_table('payments')
    op.drop_table('outbox')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_customer')

    op.drop_table('invoices')
    op.drop_table('invoice_lines')
    op.drop_table('invoice_counters')
    op.drop_table('credit_notes')
    op.drop_table('coupons')
    op.drop_table('coupon_redemptions')
