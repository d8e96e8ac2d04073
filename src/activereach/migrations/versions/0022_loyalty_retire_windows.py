"""loyalty: earning rules get a validity window; rules, tiers and rewards can be retired

Revision ID: 0022
Revises: 0021
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("loyalty_rules") as batch:
        batch.add_column(sa.Column("valid_from", UTC(), nullable=True))
        batch.add_column(sa.Column("valid_until", UTC(), nullable=True))
        batch.add_column(sa.Column("retired_at", UTC(), nullable=True))
    with op.batch_alter_table("loyalty_tiers") as batch:
        batch.add_column(sa.Column("retired_at", UTC(), nullable=True))
    with op.batch_alter_table("loyalty_rewards") as batch:
        batch.add_column(sa.Column("retired_at", UTC(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loyalty_rewards") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("loyalty_tiers") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("loyalty_rules") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("valid_until")
        batch.drop_column("valid_from")
