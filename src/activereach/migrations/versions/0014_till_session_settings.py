"""cashier: till settings for the idle lock and weighed-item barcode prefixes

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: existing rows inherit the built-in defaults (cashier/settings.py)
    with op.batch_alter_table("cashier_settings") as batch:
        batch.add_column(sa.Column("idle_lock_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("weighed_prefixes", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cashier_settings") as batch:
        batch.drop_column("weighed_prefixes")
        batch.drop_column("idle_lock_minutes")
