"""Incident numbers: one counter row per day, never handing out a number twice.

On SQLite the counter is bumped inside the declaring transaction: SQLite has one writer at
a time anyway, and a rolled-back declaration gives its number back.

On PostgreSQL a counter bumped inside the declaring transaction would stay locked until that
transaction commits, so every declaration in every process would queue behind the slowest
one. Instead the counter is bumped on a connection of its own, in autocommit, so the row is
locked for one statement only. A number whose declaration then fails is skipped, never
reused. That statement commits without waiting for the WAL flush: the declaration that uses
the number commits after it, and flushing that commit flushes the counter's too, so no
number in use can be handed out again after a crash.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import Connection, Engine, bindparam, create_engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import NullPool

from fireline.adapters.db.tables import incident_sequences

_NEXT = {
    name: dialect.insert(incident_sequences)
    .values(day=bindparam("day"), last=1)
    .on_conflict_do_update(
        index_elements=[incident_sequences.c.day],
        set_={"last": incident_sequences.c.last + 1},
    )
    .returning(incident_sequences.c.last)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


def next_number_in(connection: Connection, day: date) -> int:
    """Bump the day's counter inside the transaction running on `connection`."""
    return int(connection.execute(_NEXT[connection.dialect.name], {"day": day}).scalar_one())


class IncidentNumbers:
    """PostgreSQL's counter, on one autocommit connection per process, opened on first use.

    The connection comes from an engine of its own, not the pool: a declaration holds a
    pooled connection while it asks for a number, and must never wait for a second one.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._lock = threading.Lock()
        self._connection: Connection | None = None

    def next(self, day: date) -> int:
        """The day's next number, committed at once."""
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._engine.connect()
                    self._connection.execute(text("SET synchronous_commit TO OFF"))
                return next_number_in(self._connection, day)
            except Exception:
                # Drop a connection that failed, so the next call opens a fresh one.
                self._drop()
                raise

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()
            self._connection.close()
            self._connection = None
