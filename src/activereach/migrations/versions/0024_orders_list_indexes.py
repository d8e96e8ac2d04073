"""orders are listed by outlet and by source, newest first (GET /v1/orders, console Orders)

Revision ID: 0024
Revises: 0023
"""
from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_orders_location_occurred": ["workspace_id", "location_id", "occurred_at"],
    "ix_orders_source_occurred": ["workspace_id", "source", "occurred_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "orders", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="orders")
