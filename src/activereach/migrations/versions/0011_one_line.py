"""Join the per-domain branches into one line of migrations.

Until 0010 each domain's migrations branched off the initial schema, so the project had nine
heads. This merge point has every one of them as a parent; from here on each migration's
``down_revision`` is the previous one (``tests/unit/test_migrations.py`` keeps it so). A
database stamped with the nine heads upgrades to here without running anything.

Revision ID: 0011
Revises: 0002, 0003, 0004, 0005, 0006, 0007, 0008a, 0009an, 0010
"""

from __future__ import annotations

revision = "0011"
down_revision = ("0002", "0003", "0004", "0005", "0006", "0007", "0008a", "0009an", "0010")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the history."""


def downgrade() -> None:
    """Nothing to change: downgrading past here splits the history again."""
