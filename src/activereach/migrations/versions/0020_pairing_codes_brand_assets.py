"""the pairing-code log per terminal, and uploaded brand images (logos)

Revision ID: 0020
Revises: 0019
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "terminal_pairing_codes",
        sa.Column("workspace_id", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("terminal_pk", sa.String(40), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("issued_by", sa.String(320), nullable=False),
        sa.Column("ended", sa.String(16), nullable=True),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.Column("shown_at", UTC(), nullable=True),
    )
    op.create_index("ix_terminal_pairing_codes_terminal", "terminal_pairing_codes",
                    ["workspace_id", "terminal_pk", "issued_at"])
    op.create_table(
        "brand_assets",
        sa.Column("workspace_id", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
    )
    op.create_index("ix_brand_assets_id", "brand_assets", ["id"])


def downgrade() -> None:
    op.drop_table("brand_assets")
    op.drop_table("terminal_pairing_codes")
