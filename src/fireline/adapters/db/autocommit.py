"""Writes shared by every declaration, made outside the declaring transaction on PostgreSQL.

Two things every declaration touches are shared rows: the day's incident counter (one row
per day, never handing out a number twice) and the list of search words. Written inside the
declaring transaction, each row would stay locked until that transaction commits, so every
declaration in every process would queue behind the slowest one; two declarations adding
the same new words in another order could even deadlock.

On SQLite both are written inside the declaring transaction: SQLite has one writer at a time
anyway, and a rolled-back declaration gives its number back.

On PostgreSQL they are written on a connection of their own, in autocommit, so a row is
locked for one statement only. A number whose declaration then fails is skipped, never
reused; a word it recorded stays (the list may hold more words than the incidents do, which
only makes a prefix search name a word that matches nothing). These statements commit
without waiting for the WAL flush: the declaration that relies on them commits after them,
and flushing that commit flushes theirs too, so after a crash no number in use is handed out
again and no word in use is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import Connection, Engine, bindparam, create_engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import NullPool

from fireline.adapters.db.tables import incident_sequences, search_words

_NEXT = {
    name: dialect.insert(incident_sequences)
    .values(day=bindparam("day"), last=bindparam("count"))
    .on_conflict_do_update(
        index_elements=[incident_sequences.c.day],
        set_={"last": incident_sequences.c.last + bindparam("count")},
    )
    .returning(incident_sequences.c.last)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


_REMEMBER_WORD = {
    "sqlite": sqlite.insert(search_words).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(search_words).on_conflict_do_nothing(),
}


def next_number_in(connection: Connection, day: date, count: int = 1) -> int:
    """Take `count` consecutive numbers of the day's counter inside the transaction running
    on `connection`; returns the first."""
    stmt = _NEXT[connection.dialect.name]
    last = int(connection.execute(stmt, {"day": day, "count": count}).scalar_one())
    return last - count + 1


def remember_words_in(connection: Connection, words: list[str]) -> None:
    """Add `words` to the search word list (sorted: concurrent writers lock in one order)."""
    rows = [{"word": word} for word in sorted(words)]
    connection.execute(_REMEMBER_WORD[connection.dialect.name], rows)


KNOWN_WORDS = 200_000
"""How many recorded words a process remembers having recorded (a few MB at most)."""


class AutocommitWriter:
    """PostgreSQL's shared writes, on one autocommit connection per process, opened on first use.

    The connection comes from an engine of its own, not the pool: a declaration holds a
    pooled connection while it asks for a number, and must never wait for a second one.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._known: set[str] = set()

    def next_number(self, day: date, count: int = 1) -> int:
        """The first of the day's next `count` incident numbers, committed at once."""
        with self._connected() as connection:
            return next_number_in(connection, day, count)

    def remember_words(self, words: list[str]) -> None:
        """Add `words` to the search word list, committed at once.

        Words this process has already added are skipped: the list only ever grows, so a
        word seen committed stays there, and most declarations then cost no statement.
        """
        new = [word for word in words if word not in self._known]
        if not new:
            return
        with self._connected() as connection:
            remember_words_in(connection, new)
        if len(self._known) < KNOWN_WORDS:
            self._known.update(new)

    @contextmanager
    def _connected(self) -> Iterator[Connection]:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._engine.connect()
                    self._connection.execute(text("SET synchronous_commit TO OFF"))
                yield self._connection
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
