"""Database plumbing: the declarative base, portable column types, engines and the unit of work.

Services receive an ``AsyncSession`` and never commit; ``unit_of_work`` (requests, jobs, CLI)
commits once at the end, and retries the whole body on a uniqueness race or a serialization
failure so that concurrent duplicates resolve to the idempotent replay path.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import orjson

from sqlalchemy import JSON, DateTime, MetaData, Table, event, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from activereach.kit import session_state, sqlite_driver
from activereach.kit.sqlite_wal import WalCheckpointer, database_path

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # every model maps one table (SQLAlchemy types it as any FromClause)
        __table__: ClassVar[Table]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every engine (SQLite keeps no zone, so we store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is dt.UTC:  # most values: utcnow() and parsed UTC stamps
            return value.replace(tzinfo=None)
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def insert_ignore(session: AsyncSession, table: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's dialect."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


_STATEMENTS: dict[tuple[Any, ...], Any] = {}


T = TypeVar("T")


def json_dumps(value: Any) -> str:
    """JSON columns' serializer: orjson, several times faster than ``json.dumps`` on the
    ingest path's order, event and bill documents (non-string keys become strings, as there)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
_BLANK_ROWS: dict[Any, dict[str, None]] = {}


def transient(model: type[T], values: dict[str, Any]) -> tuple[T, dict[str, Any]]:
    """(an instance of ``model`` over the row, the row with every column): for rows written by a
    plain insert and read as objects by other code. The values go straight into the instance,
    without the attribute events a constructor fires; a column not given is None, as a
    constructor leaves it."""
    blank = _BLANK_ROWS.get(model)
    if blank is None:
        blank = _BLANK_ROWS[model] = {c.key: None for c in sa_inspect(model).columns}
    row = {**blank, **values}
    instance = sa_inspect(model).class_manager.new_instance()
    instance.__dict__.update(row)
    return instance, row


_PLAIN_INSERTS: set[Any] = set()


def plain_insert(session: AsyncSession, model: Any) -> Any:
    """``INSERT INTO <model's table>``, built once (execute it with a list of rows)."""
    stmt = statement(session, ("insert", model.__tablename__), lambda _: insert(model.__table__))
    _PLAIN_INSERTS.add(stmt)
    return stmt


def is_plain_insert(stmt: Any) -> bool:
    """Built by ``plain_insert``: no conflict clause or RETURNING, so a ``COPY`` may send it."""
    return stmt in _PLAIN_INSERTS


def statement(session: AsyncSession, key: tuple[Any, ...], build: Callable[[Any], Any]) -> Any:
    """A statement built once per dialect and ``key`` by ``build(dialect_module)``.

    Execute it with parameters (``session.execute(stmt, rows)``), never ``.values(...)``: a
    statement carrying its values costs a fresh cache key on every call, which on the hot paths
    (events, jobs, roll-ups) was a large share of an order's Python time."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    full = (dialect, *key)
    stmt = _STATEMENTS.get(full)
    if stmt is None:
        stmt = _STATEMENTS[full] = build(postgresql if dialect == "postgresql" else sqlite)
    return stmt


@dataclass
class Preloaded:
    """Rows ``preload`` loaded, kept alive for the session's life."""

    rows: list[Any] = field(default_factory=list)


async def preload(session: AsyncSession, model: Any, keys: list[tuple[Any, ...]]) -> None:
    """Load the ``model`` rows with these primary keys in one statement, so the ``session.get``
    calls that follow (one per job of a batch) find them in the session without a query."""
    wanted = list(dict.fromkeys(keys))
    if wanted:
        pk = model.__mapper__.primary_key
        rows = (await session.scalars(select(model).where(tuple_(*pk).in_(wanted)))).all()
        # The session's identity map holds objects weakly: keep them for the session's life.
        session_state.state(session, Preloaded).rows.extend(rows)


def is_postgres(session_or_engine: AsyncSession | AsyncEngine) -> bool:
    bind = session_or_engine.bind if isinstance(session_or_engine, AsyncSession) else session_or_engine
    return bind is not None and bind.dialect.name == "postgresql"


class Database:
    """An engine, its session factory and, on SQLite, the one-writer-at-a-time lock."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10,
                 pgbouncer: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30},
                                              module=sqlite_driver.dbapi(),
                                              json_serializer=json_dumps)
            _configure_sqlite(self.engine)
        else:
            self.engine = create_async_engine(
                url, echo=echo, pool_size=pool_size, max_overflow=pool_size,
                pool_pre_ping=True, json_serializer=json_dumps,
                # psycopg prepares a statement after 5 uses; PgBouncer (transaction mode) can't.
                connect_args={"prepare_threshold": None if pgbouncer else 5},
            )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # SQLite allows one writer; queueing writers here is fairer than spinning on SQLITE_BUSY.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on any error."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @contextlib.asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            try:
                await session.connection(execution_options={"activereach_readonly": True})
                yield session
            finally:
                # close(), not rollback(): ends the transaction without expiring loaded objects.
                await session.close()

    def start_wal_checkpoints(self) -> WalCheckpointer | None:
        """On a SQLite file, checkpoint the WAL in the background (the caller stops it)."""
        path = database_path(self.url) if self.is_sqlite else None
        return WalCheckpointer(path).start() if path else None

    async def dispose(self) -> None:
        await self.engine.dispose()



async def unit_of_work(db: Database, body: Callable[[AsyncSession], Awaitable[T]],
                       *, attempts: int = 4) -> T:
    """Run ``body`` in one transaction; on a uniqueness race or serialization failure, run it again.

    A second attempt sees the winner's committed rows, so an idempotent body returns the replay.
    """
    for attempt in range(attempts):
        try:
            async with db.session() as session:
                return await body(session)
        except (IntegrityError, OperationalError, DBAPIError) as exc:
            if attempt == attempts - 1 or not _is_retryable(exc):
                raise
            await asyncio.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")


def _is_retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    text = str(exc.orig).lower() if exc.orig else ""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in {"40001", "40P01"} or "database is locked" in text


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so we can BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE: a read that later writes would otherwise fail at once with SQLITE_BUSY,
        # ignoring busy_timeout (another process, such as the CLI, may hold the lock).
        readonly = connection.get_execution_options().get("activereach_readonly")
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")
