"""console users and the per-contact sales roll-ups

Revision ID: 0006
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", activereach.kit.db.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", activereach.kit.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("workspace_id", "email", name=op.f("uq_console_users_workspace_id_email")),
    )
    op.create_table(
        "daily_contact_sales",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("location_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("contact_id", sa.String(length=40), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("refunds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "day", "location_id", "channel", "currency",
                                "contact_id", name=op.f("pk_daily_contact_sales")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "contact_first_days",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("contact_id", sa.String(length=40), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "currency", "contact_id",
                                name=op.f("pk_contact_first_days")),
    )
    op.create_index("ix_contact_first_days_day", "contact_first_days",
                    ["workspace_id", "currency", "first_day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_contact_first_days_day", table_name="contact_first_days")
    op.drop_table("contact_first_days")
    op.drop_table("daily_contact_sales")
    op.drop_table("console_users")
