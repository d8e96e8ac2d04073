"""cashier: till settings (offline redemption cap, manager-approval discount limit)

Revision ID: 0008a
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0008a"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cashier_settings",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("offline_redeem_cap", sa.Integer(), nullable=True),
        sa.Column("discount_limit_bp", sa.Integer(), nullable=True),
        sa.Column("updated_at", activereach.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_cashier_settings")),
        sa.UniqueConstraint("workspace_id", "scope",
                            name=op.f("uq_cashier_settings_workspace_id_scope")),
    )


def downgrade() -> None:
    op.drop_table("cashier_settings")
