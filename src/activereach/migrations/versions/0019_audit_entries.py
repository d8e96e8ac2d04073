"""the audit log: who changed which setting, when, from what to what

Revision ID: 0019
Revises: 0018
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("workspace_id", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(40), nullable=False),
        sa.Column("actor_label", sa.String(320), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(80), nullable=False),
        sa.Column("target_label", sa.String(300), nullable=False),
        sa.Column("location_id", sa.String(40), nullable=True),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["workspace_id", "at", "id"])
    op.create_index("ix_audit_entries_target", "audit_entries",
                    ["workspace_id", "target_kind", "target_id"])


def downgrade() -> None:
    op.drop_table("audit_entries")
