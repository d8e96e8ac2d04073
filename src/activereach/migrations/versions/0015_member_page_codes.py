"""member page: one-time codes and the sessions they grant

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "member_page_codes",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("bill_id", sa.String(40), nullable=False),
        sa.Column("contact_id", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sent_to", sa.String(120), nullable=False),
        sa.Column("message_id", sa.String(40), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("used_at", UTC(), nullable=True),
        sa.Column("session_hash", sa.String(64), nullable=True),
        sa.Column("session_expires_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_member_page_codes")),
    )
    op.create_index("ix_member_page_codes_bill", "member_page_codes",
                    ["workspace_id", "bill_id", "created_at"])
    op.create_index("ix_member_page_codes_contact", "member_page_codes",
                    ["workspace_id", "contact_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_member_page_codes_contact", table_name="member_page_codes")
    op.drop_index("ix_member_page_codes_bill", table_name="member_page_codes")
    op.drop_table("member_page_codes")
