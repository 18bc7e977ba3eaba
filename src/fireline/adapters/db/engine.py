"""Engines configured for Fireline's two backends: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from fireline.adapters.db.files import create_private_file, sqlite_file

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "fireline_write"
"""Connection execution option: False for a transaction that only reads (see `_on_begin`)."""


def create_database_engine(url: str) -> Engine:
    """An engine for a ``sqlite:///path`` or ``postgresql+psycopg://…`` URL.

    SQLite connections run in WAL mode with foreign keys on, and every transaction starts
    with ``BEGIN IMMEDIATE`` (see `_configure_sqlite`); a database file that does not exist
    yet is created 0600 first (see `files.py`). Raises ValueError for other backends.
    """
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            create_private_file(path)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        # No pre-ping: it costs a round trip per checkout on the hot path; recycling old
        # connections and the pool's reconnect-on-error cover dropped connections.
        return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql+psycopg://")


def _configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave under several writer processes.

    pysqlite would begin transactions lazily with a plain (deferred) ``BEGIN``: a transaction
    that reads first takes a shared lock, and when it later writes, upgrading that lock
    while another process writes fails at once with "database is locked" (busy_timeout does
    not apply to a deadlocked upgrade). ``BEGIN IMMEDIATE`` takes the write lock up front, so
    a second writer waits out busy_timeout instead. This is SQLAlchemy's documented pysqlite
    recipe: switch off pysqlite's own transaction handling and emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers run beside the writer; NORMAL sync is durable across process
            # crashes (only an OS crash may lose the last transactions) and much faster.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A transaction that only reads takes no write lock: in WAL mode it sees a snapshot
        # and never has to upgrade, so it neither waits for writers nor holds them up.
        is_write = connection.get_execution_options().get(WRITE_OPTION, True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_write else "BEGIN")
