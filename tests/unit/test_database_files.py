"""Which SQLite URLs name a file Fireline creates privately (`adapters/db/files.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fireline.adapters.db.files import sqlite_file


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:shared?mode=memory&uri=true",
        "postgresql+psycopg://fireline@127.0.0.1:5432/fireline",
    ],
)
def test_in_memory_sqlite_and_other_backends_name_no_file(url: str) -> None:
    assert sqlite_file(url) is None


def test_a_sqlite_url_names_its_file() -> None:
    assert sqlite_file("sqlite:////var/lib/fireline/fireline.db") == Path(
        "/var/lib/fireline/fireline.db"
    )
    assert sqlite_file("sqlite:///data/fireline.db") == Path("data/fireline.db")
