"""outbound destinations (webhooks, Segment forwarders) and their delivery log

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import activereach.kit.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC = activereach.kit.db.UTCDateTime
JSON = activereach.kit.db.JSONType


def upgrade() -> None:
    op.create_table(
        "destinations",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("event_types", JSON, nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_destinations")),
    )
    op.create_table(
        "outbound_deliveries",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("destination_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("event_name", sa.String(200), nullable=False),
        sa.Column("contact_id", sa.String(40), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("round_attempts", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempt_log", JSON, nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("next_attempt_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("delivered_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_outbound_deliveries")),
    )
    op.create_index("ix_outbound_deliveries_log", "outbound_deliveries",
                    ["workspace_id", "destination_id", "created_at"])
    op.create_index("ix_outbound_deliveries_lane", "outbound_deliveries",
                    ["workspace_id", "destination_id", "contact_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_outbound_deliveries_lane", table_name="outbound_deliveries")
    op.drop_index("ix_outbound_deliveries_log", table_name="outbound_deliveries")
    op.drop_table("outbound_deliveries")
    op.drop_table("destinations")
