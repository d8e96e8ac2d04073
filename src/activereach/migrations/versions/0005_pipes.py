"""data pipes: pipes, secrets, webhook inbox, sync state

Revision ID: 0005
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
UTC = activereach.kit.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "pipes",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(24), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("location_id", sa.String(40), nullable=True),
        sa.Column("terminal_id", sa.String(40), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("cursor", JSON, nullable=False),
        sa.Column("verification_code", sa.String(200), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_pipes")),
    )
    op.create_index("ix_pipes_id", "pipes", ["id"], unique=True)
    op.create_table(
        "pipe_secrets",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("pipe_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_pipe_secrets")),
    )
    op.create_index("ix_pipe_secrets_pipe", "pipe_secrets", ["workspace_id", "pipe_id", "name"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("pipe_id", sa.String(40), nullable=False),
        sa.Column("received_at", UTC(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", JSON, nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verification", sa.String(500), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("external_order_id", sa.String(200), nullable=True),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("event_time", UTC(), nullable=True),
        sa.Column("processed_at", UTC(), nullable=True),
        sa.Column("latency_ms", sa.BigInteger(), nullable=True),
        sa.Column("result", JSON, nullable=False),
        sa.Column("job_key", sa.String(200), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index("ix_webhook_deliveries_pipe", "webhook_deliveries",
                    ["workspace_id", "pipe_id", "received_at"])
    op.create_index("ix_webhook_deliveries_status", "webhook_deliveries",
                    ["workspace_id", "pipe_id", "status"])
    op.create_index("ix_webhook_deliveries_waiting", "webhook_deliveries",
                    ["workspace_id", "pipe_id", "external_order_id"])
    op.create_index("ix_webhook_deliveries_job_key", "webhook_deliveries", ["job_key"])
    op.create_table(
        "pipe_events_seen",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("pipe_id", sa.String(40), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("delivery_id", sa.String(40), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "pipe_id", "dedupe_key",
                                name=op.f("pk_pipe_events_seen")),
    )
    op.create_table(
        "pipe_order_states",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("pipe_id", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "pipe_id", "external_id",
                                name=op.f("pk_pipe_order_states")),
    )


def downgrade() -> None:
    op.drop_table("pipe_order_states")
    op.drop_table("pipe_events_seen")
    op.drop_index("ix_webhook_deliveries_job_key", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_waiting", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_status", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_pipe", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_pipe_secrets_pipe", table_name="pipe_secrets")
    op.drop_table("pipe_secrets")
    op.drop_index("ix_pipes_id", table_name="pipes")
    op.drop_table("pipes")
