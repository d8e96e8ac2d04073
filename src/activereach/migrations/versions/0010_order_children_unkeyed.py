"""Order lines and payments keep no foreign key to orders.

They are written only by the ingest transaction, in the same batch as their order, and read by
order id. The key's per-row check locked the order row that the same transaction had just
inserted (a WAL-logged tuple lock): 0.2 ms of PostgreSQL time per line or payment, a third of
the database's time per order (docs/decisions.md, "Order lines and payments without a foreign
key").

Revision ID: 0010
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None

_CHILDREN = (("order_lines", "fk_order_lines_workspace_id_orders"),
             ("order_payments", "fk_order_payments_workspace_id_orders"))


def upgrade() -> None:
    for table, name in _CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    for table, name in _CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(name, "orders", ["workspace_id", "order_id"],
                                     ["workspace_id", "id"])
