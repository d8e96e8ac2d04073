"""bills: receipts, invoice counters, config tiers, ratings, POS code pool

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('bill_receipts',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('series_key', sa.String(length=40), nullable=False),
    sa.Column('source_product', sa.String(length=32), nullable=False),
    sa.Column('fiscal_year', sa.String(length=7), nullable=False),
    sa.Column('invoice_seq', sa.BigInteger(), nullable=False),
    sa.Column('invoice_number', sa.String(length=16), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=True),
    sa.Column('snapshot', JSON, nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_bill_receipts')),
    sa.UniqueConstraint('workspace_id', 'order_id', name=op.f('uq_bill_receipts_workspace_id_order_id')),
    sa.UniqueConstraint('workspace_id', 'series_key', 'fiscal_year', 'invoice_number',
                        name=op.f('uq_bill_receipts_workspace_id_series_key_fiscal_year_invoice_number'))
    )
    op.create_index('ix_bill_receipts_code', 'bill_receipts', ['code'], unique=True)
    op.create_table('bill_invoice_counters',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('series_key', sa.String(length=40), nullable=False),
    sa.Column('fiscal_year', sa.String(length=7), nullable=False),
    sa.Column('last_value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'series_key', 'fiscal_year', name=op.f('pk_bill_invoice_counters'))
    )
    op.create_table('bill_configs',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('scope_key', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('values', JSON, nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_bill_configs')),
    sa.UniqueConstraint('workspace_id', 'scope_key', name=op.f('uq_bill_configs_workspace_id_scope_key'))
    )
    op.create_table('bill_ratings',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('bill_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('contact_id', sa.String(length=40), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=True),
    sa.Column('updates', sa.Integer(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_bill_ratings')),
    sa.UniqueConstraint('workspace_id', 'order_id', name=op.f('uq_bill_ratings_workspace_id_order_id'))
    )
    op.create_table('bill_code_reservations',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('terminal_pk', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('fiscal_year', sa.String(length=7), nullable=False),
    sa.Column('invoice_seq', sa.BigInteger(), nullable=False),
    sa.Column('invoice_number', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_bill_code_reservations'))
    )
    op.create_index('ix_bill_code_reservations_code', 'bill_code_reservations', ['code'], unique=True)
    op.create_index('ix_bill_code_reservations_terminal', 'bill_code_reservations',
                    ['workspace_id', 'terminal_pk', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bill_code_reservations_terminal', table_name='bill_code_reservations')
    op.drop_index('ix_bill_code_reservations_code', table_name='bill_code_reservations')
    op.drop_table('bill_code_reservations')
    op.drop_table('bill_ratings')
    op.drop_table('bill_configs')
    op.drop_table('bill_invoice_counters')
    op.drop_index('ix_bill_receipts_code', table_name='bill_receipts')
    op.drop_table('bill_receipts')
