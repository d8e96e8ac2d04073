"""The background WAL checkpointer keeps the WAL copied and bounded without blocking writers."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from activereach.kit.sqlite_wal import WalCheckpointer, database_path


def test_database_path_only_for_sqlite_files(tmp_path: Path) -> None:
    assert database_path(f"sqlite+aiosqlite:///{tmp_path}/a.db") == f"{tmp_path}/a.db"
    assert database_path("sqlite+aiosqlite:///:memory:") is None
    assert database_path("sqlite+aiosqlite://") is None
    assert database_path("postgresql+psycopg://u@h/db") is None


def test_writes_are_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")   # only the thread may copy pages back
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    checkpointer = WalCheckpointer(str(path), interval=0.01).start()
    try:
        for _ in range(50):
            writer.execute("INSERT INTO t (body) VALUES (?)", (os.urandom(8000),))
        # The database file itself grows only when a checkpoint copies the WAL into it.
        deadline = time.monotonic() + 10
        while path.stat().st_size < 50 * 8000 and time.monotonic() < deadline:
            time.sleep(0.01)
        copied = path.stat().st_size
        writer.execute("INSERT INTO t (body) VALUES (?)", (b"after",))   # never blocked
    finally:
        checkpointer.stop()
    assert not checkpointer._thread.is_alive()
    assert copied >= 50 * 8000, copied
    assert writer.execute("SELECT count(*) FROM t").fetchone() == (51,)
    writer.close()
