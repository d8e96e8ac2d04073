"""console sessions held by the server; staff PIN lockouts move to the sign-in throttle

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("last_seen_at", UTC(), nullable=False),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_console_sessions")),
    )
    op.create_index("ix_console_sessions_user", "console_sessions", ["workspace_id", "user_id"])
    with op.batch_alter_table("cashier_staff") as batch:
        batch.drop_column("failed_attempts")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("cashier_staff") as batch:
        batch.add_column(sa.Column("locked_until", UTC(), nullable=True))
        batch.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.drop_index("ix_console_sessions_user", table_name="console_sessions")
    op.drop_table("console_sessions")
