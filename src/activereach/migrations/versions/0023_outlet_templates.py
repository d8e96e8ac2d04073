"""per-outlet receipt templates: messaging_templates.location_id

Revision ID: 0023
Revises: 0022
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Additive: brand rows keep location_id NULL; an outlet's override row is named
    # "active_bill@<outlet id>", so the (workspace, channel, name) unique key is unchanged.
    with op.batch_alter_table("messaging_templates") as batch:
        batch.add_column(sa.Column("location_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messaging_templates") as batch:
        batch.drop_column("location_id")
