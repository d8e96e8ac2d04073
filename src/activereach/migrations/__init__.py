"""Alembic migrations (run with ``activereach migrate``)."""
