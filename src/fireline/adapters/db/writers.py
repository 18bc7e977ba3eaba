"""A queue for SQLite's writers, so that they take turns instead of sleeping.

SQLite has one writer at a time. A writer that finds the database locked waits in SQLite's
busy handler, which sleeps with growing back-off (1, 2, 5 … 100 ms) and polls, so under
load most of the time goes to sleeping while the lock sits free. Queueing writers first on
locks that wake the next waiter at once hands the database over without that gap: a thread
lock among this process's threads, then an advisory lock on a file beside the database
among processes (`fireline serve --workers N`, `fireline db upgrade`, …).

Correctness never depends on this queue: SQLite's own locking still guards every write, so
a process that does not queue (the `sqlite3` shell) is merely slower to get its turn.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: threads still queue, processes poll
    fcntl = None  # type: ignore[assignment]


class WriterQueue:
    """Take turns writing to the SQLite database at `database_path`."""

    def __init__(self, database_path: str) -> None:
        self._threads = threading.Lock()
        # An in-memory database belongs to one process: its threads' lock is the whole queue.
        self._is_file = database_path not in ("", ":memory:")
        self._lock_path = Path(database_path + ".writer-lock")
        self._descriptor: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold this process's and then every queueing process's turn for the block."""
        with self._threads:
            descriptor = self._open()
            if descriptor is not None and fcntl is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if descriptor is not None and fcntl is not None:
                    fcntl.flock(descriptor, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (the queue opens it again if used after this)."""
        with self._threads:
            if self._descriptor is not None:
                os.close(self._descriptor)
                self._descriptor = None

    def _open(self) -> int | None:
        # Opened lazily (and once): an in-memory database or an unwritable directory simply
        # means no file lock, never a failure to write.
        if self._descriptor is None and fcntl is not None and self._is_file:
            try:
                self._descriptor = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return None
        return self._descriptor
