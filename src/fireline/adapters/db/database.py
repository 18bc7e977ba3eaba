"""`SqlDatabase`: the `Database` port, handing out one `SqlStore` per transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from fireline.adapters.db.store import SqlStore
from fireline.services.ports import Store


class SqlDatabase:
    """Transactions on `engine` (from `create_database_engine`, migrated by `upgrade_database`).

    Thread-safe: each transaction checks out its own pooled connection.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """A store on a new transaction: commits when the block ends, rolls back on error.

        On SQLite the transaction holds the database's write lock from its first statement
        (BEGIN IMMEDIATE), so keep it short; on PostgreSQL it runs at READ COMMITTED.
        """
        with self.engine.begin() as connection:
            yield SqlStore(connection)

    def dispose(self) -> None:
        """Close the pooled connections (at shutdown, or in a child process after fork)."""
        self.engine.dispose()
