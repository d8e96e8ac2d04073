"""cashier: per-staff signing keys of tills, orders flagged for a manager, offline allowance use

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "cashier_staff_keys",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("staff_id", sa.String(40), nullable=False),
        sa.Column("terminal_pk", sa.String(40), nullable=False),
        sa.Column("secret_enc", sa.String(300), nullable=False),
        sa.Column("issued_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("revoked_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_cashier_staff_keys")),
    )
    op.create_index("ix_cashier_staff_keys_holder", "cashier_staff_keys",
                    ["workspace_id", "terminal_pk", "staff_id"])
    op.create_table(
        "pos_order_flags",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("location_id", sa.String(40), nullable=True),
        sa.Column("terminal_id", sa.String(40), nullable=True),
        sa.Column("staff_id", sa.String(40), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("uncovered", sa.Integer(), nullable=False),
        sa.Column("reasons", activereach.kit.db.JSONType, nullable=False),
        sa.Column("occurred_at", UTC(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("resolved_at", UTC(), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_pos_order_flags")),
        sa.UniqueConstraint("workspace_id", "order_id",
                            name=op.f("uq_pos_order_flags_workspace_id_order_id")),
    )
    op.create_index("ix_pos_order_flags_open", "pos_order_flags",
                    ["workspace_id", "resolved_at", "created_at"])
    op.create_table(
        "offline_allowance_uses",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("location_id", sa.String(40), nullable=False),
        sa.Column("terminal_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_offline_allowance_uses")),
        sa.UniqueConstraint("workspace_id", "location_id", "terminal_id", "account_id", "day",
                            name="uq_offline_allowance_uses_key"),
    )


def downgrade() -> None:
    op.drop_table("offline_allowance_uses")
    op.drop_index("ix_pos_order_flags_open", table_name="pos_order_flags")
    op.drop_table("pos_order_flags")
    op.drop_index("ix_cashier_staff_keys_holder", table_name="cashier_staff_keys")
    op.drop_table("cashier_staff_keys")
