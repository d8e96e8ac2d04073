"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 18:14:29.251780
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_api_keys'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index('ix_api_keys_key_hash', ['key_hash'], unique=True)

    op.create_table('contacts',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('traits', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('preferred_channel', sa.String(length=16), nullable=True),
    sa.Column('consent', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('merged_into_id', sa.String(length=40), nullable=True),
    sa.Column('orders_count', sa.Integer(), nullable=False),
    sa.Column('total_spent', sa.BigInteger(), nullable=False),
    sa.Column('first_order_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('last_order_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_contacts'))
    )
    op.create_table('daily_sales',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('refunds', sa.BigInteger(), nullable=False),
    sa.Column('refund_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'day', 'location_id', 'channel', 'source', 'currency', name=op.f('pk_daily_sales'))
    )
    op.create_table('events',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timestamp', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('received_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=True),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_events')),
    sa.UniqueConstraint('workspace_id', 'message_id', name=op.f('uq_events_workspace_id_message_id'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_timeline', ['workspace_id', 'contact_id', 'timestamp', 'id'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('run_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retry_delays', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('locked_by', sa.String(length=80), nullable=True),
    sa.Column('locked_until', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_claim', ['status', 'run_at'], unique=False)
        batch_op.create_index('ix_jobs_dedupe_key', ['dedupe_key'], unique=True)
        batch_op.create_index('ix_jobs_workspace', ['workspace_id', 'kind'], unique=False)

    op.create_table('locations',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('gstin', sa.String(length=15), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_locations')),
    sa.UniqueConstraint('workspace_id', 'code', name=op.f('uq_locations_workspace_id_code'))
    )
    op.create_table('orders',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('client_order_id', sa.String(length=64), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('terminal_id', sa.String(length=40), nullable=True),
    sa.Column('contact_id', sa.String(length=40), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('occurred_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('discount_total', sa.BigInteger(), nullable=False),
    sa.Column('shipping', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('paid_total', sa.BigInteger(), nullable=False),
    sa.Column('change_due', sa.BigInteger(), nullable=False),
    sa.Column('refunded_total', sa.BigInteger(), nullable=False),
    sa.Column('coupon', sa.String(length=100), nullable=True),
    sa.Column('customer', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=True),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_orders')),
    sa.UniqueConstraint('workspace_id', 'client_order_id', name=op.f('uq_orders_workspace_id_client_order_id')),
    sa.UniqueConstraint('workspace_id', 'idempotency_key', name=op.f('uq_orders_workspace_id_idempotency_key')),
    sa.UniqueConstraint('workspace_id', 'source', 'external_id', name=op.f('uq_orders_workspace_id_source_external_id'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_contact', ['workspace_id', 'contact_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_orders_occurred', ['workspace_id', 'occurred_at'], unique=False)

    op.create_table('workspaces',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('branding', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces')),
    sa.UniqueConstraint('slug', name=op.f('uq_workspaces_slug'))
    )
    op.create_table('contact_identities',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'contact_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_contact_identities_workspace_id_contacts')),
    sa.PrimaryKeyConstraint('workspace_id', 'kind', 'value', name=op.f('pk_contact_identities'))
    )
    with op.batch_alter_table('contact_identities', schema=None) as batch_op:
        batch_op.create_index('ix_contact_identities_contact', ['workspace_id', 'contact_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('product_id', sa.String(length=100), nullable=True),
    sa.Column('variant_id', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('variant', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=200), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.Column('tax_inclusive', sa.Boolean(), nullable=False),
    sa.Column('hsn', sa.String(length=16), nullable=True),
    sa.Column('taxable', sa.BigInteger(), nullable=False),
    sa.Column('tax', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('refunded_quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id', 'order_id'], ['orders.workspace_id', 'orders.id'], name=op.f('fk_order_lines_workspace_id_orders')),
    sa.PrimaryKeyConstraint('workspace_id', 'order_id', 'line_no', name=op.f('pk_order_lines'))
    )
    op.create_table('order_payments',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id', 'order_id'], ['orders.workspace_id', 'orders.id'], name=op.f('fk_order_payments_workspace_id_orders')),
    sa.PrimaryKeyConstraint('workspace_id', 'order_id', 'seq', name=op.f('pk_order_payments'))
    )
    op.create_table('order_refunds',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('taxable', sa.BigInteger(), nullable=False),
    sa.Column('tax', sa.BigInteger(), nullable=False),
    sa.Column('lines', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('occurred_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=True),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'order_id'], ['orders.workspace_id', 'orders.id'], name=op.f('fk_order_refunds_workspace_id_orders')),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_order_refunds')),
    sa.UniqueConstraint('workspace_id', 'order_id', 'external_id', name=op.f('uq_order_refunds_workspace_id_order_id_external_id'))
    )
    op.create_table('terminals',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('pairing_code_hash', sa.String(length=64), nullable=True),
    sa.Column('pairing_issued_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('pairing_expires_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('device_token_hash', sa.String(length=64), nullable=True),
    sa.Column('paired_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'location_id'], ['locations.workspace_id', 'locations.id'], name=op.f('fk_terminals_workspace_id_locations')),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_terminals')),
    sa.UniqueConstraint('workspace_id', 'location_id', 'terminal_id', name=op.f('uq_terminals_workspace_id_location_id_terminal_id'))
    )
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.create_index('ix_terminals_device_token_hash', ['device_token_hash'], unique=True)
        batch_op.create_index('ix_terminals_pairing_code_hash', ['pairing_code_hash'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_index('ix_terminals_pairing_code_hash')
        batch_op.drop_index('ix_terminals_device_token_hash')

    op.drop_table('terminals')
    op.drop_table('order_refunds')
    op.drop_table('order_payments')
    op.drop_table('order_lines')
    with op.batch_alter_table('contact_identities', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_identities_contact')

    op.drop_table('contact_identities')
    op.drop_table('workspaces')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_occurred')
        batch_op.drop_index('ix_orders_contact')

    op.drop_table('orders')
    op.drop_table('locations')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_workspace')
        batch_op.drop_index('ix_jobs_dedupe_key')
        batch_op.drop_index('ix_jobs_claim')

    op.drop_table('jobs')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_timeline')

    op.drop_table('events')
    op.drop_table('daily_sales')
    op.drop_table('contacts')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_api_keys_key_hash')

    op.drop_table('api_keys')
