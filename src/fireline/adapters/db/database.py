"""`SqlDatabase`: the `Database` port, handing out one `SqlStore` per transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection, Engine

from fireline.adapters.db.autocommit import AutocommitWriter
from fireline.adapters.db.engine import WRITE_OPTION
from fireline.adapters.db.store import SqlStore
from fireline.adapters.db.writers import WriterQueue
from fireline.services.ports import Store


class SqlDatabase:
    """Transactions on `engine` (from `create_database_engine`, migrated by `upgrade_database`).

    Thread-safe: each transaction checks out its own pooled connection.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._dialect = engine.dialect.name
        self._writers = (
            WriterQueue(engine.url.database or ":memory:") if self._dialect == "sqlite" else None
        )
        self._shared = AutocommitWriter(engine) if self._dialect == "postgresql" else None

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Store]:
        """A store on a new transaction: commits when the block ends, rolls back on error.

        On SQLite a write transaction holds the database's write lock from its first
        statement (BEGIN IMMEDIATE), so keep it short; a read one runs beside writers (WAL).
        On PostgreSQL both run at READ COMMITTED.
        """
        with self._begin(write=write) as connection:
            yield SqlStore(connection, self._shared)

    @contextmanager
    def _begin(self, *, write: bool) -> Iterator[Connection]:
        queue = self._writers.turn() if write and self._writers else nullcontext()
        with queue, self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: write})
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        """Close the pooled connections (at shutdown, or in a child process after fork)."""
        if self._shared is not None:
            self._shared.close()
        if self._writers is not None:
            self._writers.close()
        self.engine.dispose()
