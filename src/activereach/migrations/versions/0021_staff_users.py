"""per-staff discount limit; one-time links for console user invites and password resets

Revision ID: 0021
Revises: 0020
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("cashier_staff") as batch:
        batch.add_column(sa.Column("discount_limit_bp", sa.Integer(), nullable=True))
    op.create_table(
        "console_user_tokens",
        sa.Column("workspace_id", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("used_at", UTC(), nullable=True),
    )
    op.create_index("ix_console_user_tokens_id", "console_user_tokens", ["id"], unique=True)
    op.create_index("ix_console_user_tokens_user", "console_user_tokens",
                    ["workspace_id", "user_id"])


def downgrade() -> None:
    op.drop_table("console_user_tokens")
    with op.batch_alter_table("cashier_staff") as batch:
        batch.drop_column("discount_limit_bp")
