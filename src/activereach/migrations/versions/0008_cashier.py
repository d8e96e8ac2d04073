"""cashier: staff who sign in at ActivePOS tills with a PIN

Revision ID: 0008
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "cashier_staff",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("location_id", sa.String(40), nullable=True),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_cashier_staff")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_cashier_staff_workspace_id_name")),
    )


def downgrade() -> None:
    op.drop_table("cashier_staff")
