"""Bulk inserts by ``COPY`` on PostgreSQL, for the rows a batch held (``kit.deferred``).

``executemany`` sends one Bind/Execute per row and PostgreSQL runs each as its own INSERT; a
``COPY`` streams a table's rows into one command, far cheaper for both the client and the
server. Values pass through the columns' own bind processors (UTC datetimes, JSONB), exactly
as the INSERT's would, and keys and foreign keys are checked all the same: a duplicate fails
the transaction as the INSERT would have.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

Plan = tuple[str, list[Any], list[tuple[str, Any]]]
_PLANS: dict[tuple[Table, tuple[str, ...]], Plan] = {}


def _plan(connection: AsyncConnection, table: Table, given: tuple[str, ...]) -> Plan:
    plan = _PLANS.get((table, given))
    if plan is None:
        # Columns the rows leave out but whose Python-side default an INSERT would apply.
        defaults = [(column.key, column.default) for column in table.columns
                    if column.key not in given and column.default is not None
                    and (column.default.is_scalar or column.default.is_callable)]
        columns = [*given, *(name for name, _ in defaults)]
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        sql = (f"COPY {quote(table.name)} ({', '.join(quote(table.c[name].name) for name in columns)})"
               " FROM STDIN")
        # the processors an INSERT of these columns would run (TypeDecorators, JSONB wrapping);
        # ``_cached_bind_processor`` is what SQLAlchemy's own compiler calls (stable since 1.4),
        # and tests/api/test_deferred_flush.py compares COPY rows with INSERT rows
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
        plan = _PLANS[(table, given)] = (sql, processors, defaults)
    return plan


async def copy_rows(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]],
                    raw: Any = None) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the connection's transaction
    (``raw``: its psycopg connection, when the caller has it at hand)."""
    if not rows:
        return
    sql, processors, defaults = _plan(connection, table, tuple(rows[0]))
    if raw is None:
        raw = (await connection.get_raw_connection()).driver_connection
    async with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            values = [*row.values(), *(default.arg(None) if default.is_callable else default.arg
                                       for _, default in defaults)]
            await copy.write_row([value if process is None or value is None else process(value)
                                  for value, process in zip(values, processors, strict=True)])
