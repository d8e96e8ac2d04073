"""messaging: channel settings, templates, the messages outbox, consent, receipt dispatches

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-25 18:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = '0007'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    op.create_table('messaging_channels',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('scope_key', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('config', JSON, nullable=False),
    sa.Column('secrets', sa.Text(), nullable=True),
    sa.Column('secret_names', JSON, nullable=False),
    sa.Column('updated_at', UTC(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_messaging_channels')),
    sa.UniqueConstraint('workspace_id', 'channel', 'scope_key',
                        name=op.f('uq_messaging_channels_workspace_id_channel_scope_key')),
    )
    op.create_table('messaging_templates',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('content', JSON, nullable=False),
    sa.Column('updated_at', UTC(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_messaging_templates')),
    sa.UniqueConstraint('workspace_id', 'channel', 'name',
                        name=op.f('uq_messaging_templates_workspace_id_channel_name')),
    )
    op.create_table('messages',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('contact_id', sa.String(length=40), nullable=True),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('resend_of', sa.String(length=40), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('template', sa.String(length=128), nullable=False),
    sa.Column('params', JSON, nullable=False),
    sa.Column('content', JSON, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_history', JSON, nullable=False),
    sa.Column('provider_message_id', sa.String(length=160), nullable=True),
    sa.Column('provider_response', JSON, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', UTC(), nullable=True),
    sa.Column('created_at', UTC(), nullable=False),
    sa.Column('updated_at', UTC(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_messages')),
    sa.UniqueConstraint('workspace_id', 'dedupe_key',
                        name=op.f('uq_messages_workspace_id_dedupe_key')),
    )
    op.create_index('ix_messages_order', 'messages', ['workspace_id', 'order_id'])
    op.create_index('ix_messages_created', 'messages', ['workspace_id', 'created_at'])
    op.create_index('ix_messages_provider_id', 'messages', ['workspace_id', 'provider_message_id'])
    op.create_table('messaging_consents',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('evidence', sa.String(length=500), nullable=True),
    sa.Column('updated_at', UTC(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'contact_id', 'channel',
                            name=op.f('pk_messaging_consents')),
    )
    op.create_table('receipt_dispatches',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('tried', JSON, nullable=False),
    sa.Column('updated_at', UTC(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'order_id', name=op.f('pk_receipt_dispatches')),
    )


def downgrade() -> None:
    op.drop_table('receipt_dispatches')
    op.drop_table('messaging_consents')
    op.drop_index('ix_messages_provider_id', table_name='messages')
    op.drop_index('ix_messages_created', table_name='messages')
    op.drop_index('ix_messages_order', table_name='messages')
    op.drop_table('messages')
    op.drop_table('messaging_templates')
    op.drop_table('messaging_channels')
