"""Alembic environment: synchronous engines, batch mode on SQLite so ALTERs work there."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from activereach.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None  # ops/migrate.py sets it before running the migrations
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several API processes may start at once: one migrates, the others wait here
                # and then find nothing left to do.
                connection.execute(text("SELECT pg_advisory_xact_lock(7274100)"))
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
