"""analytics: loyalty points and receipt delivery roll-ups

Revision ID: 0009an
Revises: 0001
Create Date: 2026-11-25 21:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009an'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('daily_loyalty',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('earned', sa.BigInteger(), nullable=False),
    sa.Column('redeemed', sa.BigInteger(), nullable=False),
    sa.Column('reversed', sa.BigInteger(), nullable=False),
    sa.Column('recredited', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'day', 'location_id', name=op.f('pk_daily_loyalty')))
    op.create_table('daily_receipts',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('attempted', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'day', 'location_id', 'channel',
                            name=op.f('pk_daily_receipts')))


def downgrade() -> None:
    op.drop_table('daily_receipts')
    op.drop_table('daily_loyalty')
