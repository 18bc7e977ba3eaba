"""The SQLite database's files are private to the user Fireline runs as.

The database holds password hashes, token digests and the instance secret. SQLite would
create its file with the mode 0644 less the umask (readable by everyone under the usual 022),
and its `-wal` and `-shm` files with the database file's mode. So Fireline creates what it
creates itself, with exact modes whatever the umask: the data folder (and any missing
parents) 0700, the database file 0600 (empty: SQLite takes an empty file as an empty
database), hence its `-wal` and `-shm` 0600, and the writers' lock file 0600 (`writers.py`).

What already exists is left as it is: a folder the operator chose may hold other things, and
an existing database may be shared on purpose. `exposed_files` names the database files that
others may read, so the entry points can warn.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
COMPANIONS = ("-wal", "-shm", "-journal", ".writer-lock")
"""The files beside the database that hold its data (or its writers' lock)."""


def sqlite_file(url: str) -> Path | None:
    """The file a `sqlite:///PATH` URL names; None for another backend or in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def create_private_folder(folder: Path) -> None:
    """Create `folder` and its missing parents, each 0700; existing folders are left alone."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            continue  # another process made it at the same moment; it sets its own mode
        # mkdir's mode is filtered by the umask; chmod is not.
        path.chmod(PRIVATE_FOLDER)


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists (or its folder does not: then
    SQLite reports the missing folder as it always has)."""
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        try:
            os.fchmod(descriptor, PRIVATE_FILE)
        finally:
            os.close(descriptor)


def exposed_files(database: Path) -> list[tuple[Path, int]]:
    """The database file and companions that group or others may read or write, with their
    modes (permission bits only)."""
    found = []
    for path in (database, *(Path(f"{database}{suffix}") for suffix in COMPANIONS)):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append((path, mode))
    return found
