"""events keep what an SDK sent around a message: context, integrations, the client's own
timestamp and a digest of the content (to tell a retry from a reused messageId)

Revision ID: 0018
Revises: 0017
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("context", JSON, nullable=True))
        batch.add_column(sa.Column("integrations", JSON, nullable=True))
        batch.add_column(sa.Column("original_timestamp", UTC(), nullable=True))
        batch.add_column(sa.Column("content_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        for name in ("content_digest", "original_timestamp", "integrations", "context"):
            batch.drop_column(name)
