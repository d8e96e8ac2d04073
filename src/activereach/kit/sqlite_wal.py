"""Background WAL checkpoints for a SQLite database file.

SQLite runs its automatic checkpoint inside the commit that crosses ``wal_autocheckpoint``
(1,000 pages): that one commit copies ~4 MB into the database file and fsyncs it while every
queued writer waits, which was the p99 of the webhook ack and order paths. A thread with its own
connection runs a PASSIVE checkpoint every ``interval`` seconds instead; PASSIVE never blocks
readers or the writer, so the automatic checkpoint finds the WAL nearly copied already and stays
short, and it still resets the WAL so the file stays bounded (see docs/decisions.md).
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy.engine import make_url


def database_path(url: str) -> str | None:
    """The file behind a SQLite URL, or None for in-memory and non-SQLite URLs."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    path = parsed.database or ""
    return None if path in ("", ":memory:") or path.startswith("file::memory:") else path


class WalCheckpointer:
    """A daemon thread checkpointing one database file until ``stop()``."""

    def __init__(self, path: str, interval: float = 0.1) -> None:
        self.path, self.interval = path, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint",
                                        daemon=True)

    def start(self) -> WalCheckpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        # timeout=0: if another process is checkpointing, skip this round rather than wait.
        conn = sqlite3.connect(self.path, timeout=0, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.OperationalError:
                    continue   # busy or locked: the next round catches up
        finally:
            conn.close()
