"""rewards become discounts: free-item quantity; holds remember the till that made them

Revision ID: 0017
Revises: 0016
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_rewards") as batch:
        batch.add_column(sa.Column("item_quantity", sa.Integer(), nullable=False,
                                   server_default="1"))
    with op.batch_alter_table("loyalty_holds") as batch:
        # the terminal (trm_…) whose till made the hold: only that till may release it
        batch.add_column(sa.Column("terminal_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loyalty_holds") as batch:
        batch.drop_column("terminal_id")
    with op.batch_alter_table("loyalty_rewards") as batch:
        batch.drop_column("item_quantity")
