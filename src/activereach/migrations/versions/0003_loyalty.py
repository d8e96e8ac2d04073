"""loyalty: program, rules, tiers, rewards, accounts, lots, ledger entries, holds

Revision ID: 0003
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loyalty_accounts',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('member_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merged_into_id', sa.String(length=40), nullable=True),
    sa.Column('available', sa.BigInteger(), nullable=False),
    sa.Column('pending', sa.BigInteger(), nullable=False),
    sa.Column('held', sa.BigInteger(), nullable=False),
    sa.Column('debt', sa.BigInteger(), nullable=False),
    sa.Column('lifetime_earned', sa.BigInteger(), nullable=False),
    sa.Column('lifetime_redeemed', sa.BigInteger(), nullable=False),
    sa.Column('allow_negative', sa.Boolean(), nullable=False),
    sa.Column('tier_id', sa.String(length=40), nullable=True),
    sa.Column('tier_name', sa.String(length=60), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('allow_negative OR available >= 0', name=op.f('ck_loyalty_accounts_available_floor')),
    sa.CheckConstraint('pending >= 0 AND held >= 0 AND debt >= 0', name=op.f('ck_loyalty_accounts_nonneg')),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_accounts')),
    sa.UniqueConstraint('workspace_id', 'contact_id', name=op.f('uq_loyalty_accounts_workspace_id_contact_id')),
    sa.UniqueConstraint('workspace_id', 'member_code', name=op.f('uq_loyalty_accounts_workspace_id_member_code'))
    )
    op.create_table('loyalty_entries',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('pending_after', sa.BigInteger(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('refund_id', sa.String(length=40), nullable=True),
    sa.Column('reward_id', sa.String(length=40), nullable=True),
    sa.Column('hold_id', sa.String(length=40), nullable=True),
    sa.Column('lot_id', sa.String(length=40), nullable=True),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_entries')),
    sa.UniqueConstraint('workspace_id', 'idempotency_key', name=op.f('uq_loyalty_entries_workspace_id_idempotency_key'))
    )
    op.create_index('ix_loyalty_entries_account', 'loyalty_entries', ['workspace_id', 'account_id', 'created_at'], unique=False)
    op.create_index('ix_loyalty_entries_order', 'loyalty_entries', ['workspace_id', 'order_id'], unique=False)
    op.create_table('loyalty_holds',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('reward_id', sa.String(length=40), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('request_key', sa.String(length=200), nullable=True),
    sa.Column('cart_ref', sa.String(length=200), nullable=True),
    sa.Column('bill_total', sa.BigInteger(), nullable=True),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('expires_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('closed_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_holds')),
    sa.UniqueConstraint('workspace_id', 'code', name=op.f('uq_loyalty_holds_workspace_id_code')),
    sa.UniqueConstraint('workspace_id', 'request_key', name=op.f('uq_loyalty_holds_workspace_id_request_key'))
    )
    op.create_index('ix_loyalty_holds_account', 'loyalty_holds', ['workspace_id', 'account_id', 'status'], unique=False)
    op.create_table('loyalty_lots',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('entry_id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('remaining', sa.BigInteger(), nullable=False),
    sa.Column('basis', sa.BigInteger(), nullable=False),
    sa.Column('qualifying', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('activates_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('remaining >= 0 AND remaining <= points', name=op.f('ck_loyalty_lots_remaining')),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_lots'))
    )
    op.create_index('ix_loyalty_lots_account', 'loyalty_lots', ['workspace_id', 'account_id', 'status'], unique=False)
    op.create_index('ix_loyalty_lots_due', 'loyalty_lots', ['status', 'activates_at'], unique=False)
    op.create_table('loyalty_programs',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('points_name', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('pending_days', sa.Integer(), nullable=False),
    sa.Column('expiry_months', sa.Integer(), nullable=True),
    sa.Column('min_redeem_points', sa.Integer(), nullable=False),
    sa.Column('max_redeem_share_bp', sa.Integer(), nullable=False),
    sa.Column('point_value', sa.BigInteger(), nullable=False),
    sa.Column('negative_policy', sa.String(length=8), nullable=False),
    sa.Column('recredit_redeemed', sa.String(length=16), nullable=False),
    sa.Column('hold_ttl_seconds', sa.Integer(), nullable=False),
    sa.Column('tier_basis', sa.String(length=8), nullable=False),
    sa.Column('tier_window_days', sa.Integer(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_programs')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_loyalty_programs_workspace_id'))
    )
    op.create_table('loyalty_rewards',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points_cost', sa.Integer(), nullable=False),
    sa.Column('percent_bp', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('min_bill', sa.BigInteger(), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('min_tier_id', sa.String(length=40), nullable=True),
    sa.Column('members_only', sa.Boolean(), nullable=False),
    sa.Column('stock_cap', sa.Integer(), nullable=True),
    sa.Column('issued_count', sa.Integer(), nullable=False),
    sa.Column('per_customer_cap', sa.Integer(), nullable=True),
    sa.Column('valid_from', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('valid_until', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.Column('terms', sa.String(length=2000), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('stock_cap IS NULL OR issued_count <= stock_cap', name=op.f('ck_loyalty_rewards_stock')),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_rewards'))
    )
    op.create_table('loyalty_rules',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('event_name', sa.String(length=100), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('points_per_unit', sa.Integer(), nullable=False),
    sa.Column('spend_unit', sa.BigInteger(), nullable=False),
    sa.Column('fixed_points', sa.Integer(), nullable=False),
    sa.Column('cooldown_hours', sa.Integer(), nullable=False),
    sa.Column('excluded_skus', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('excluded_categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('exclude_discounted', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_rules')),
    sa.UniqueConstraint('workspace_id', 'kind', 'event_name', 'scope', name=op.f('uq_loyalty_rules_workspace_id_kind_event_name_scope'))
    )
    op.create_table('loyalty_tiers',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('threshold', sa.BigInteger(), nullable=False),
    sa.Column('multiplier_bp', sa.Integer(), nullable=False),
    sa.Column('badge', sa.String(length=200), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_loyalty_tiers')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_loyalty_tiers_workspace_id_name'))
    )
    


def downgrade() -> None:
    op.drop_table('loyalty_tiers')
    op.drop_table('loyalty_rules')
    op.drop_table('loyalty_rewards')
    op.drop_table('loyalty_programs')
    op.drop_table('loyalty_lots')
    op.drop_table('loyalty_holds')
    op.drop_table('loyalty_entries')
    op.drop_table('loyalty_accounts')
