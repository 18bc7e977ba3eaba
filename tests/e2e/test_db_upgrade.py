"""`fireline db upgrade` through the real command line, on each backend: it says what it did."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fireline.adapters.db.migrate import newest_revision, upgrade_database
from tests.e2e.conftest import base_env


def upgrade(tmp_path: Path, database_url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "fireline", "db", "upgrade"],
        env={**base_env(tmp_path, database_url), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_upgrading_an_empty_database_creates_the_schema_and_then_has_nothing_to_do(
    tmp_path: Path, empty_database_url: str
) -> None:
    head = newest_revision()
    assert f"created the schema at revision {head}" in upgrade(tmp_path, empty_database_url)
    again = upgrade(tmp_path, empty_database_url)
    assert f"already at revision {head}, nothing to do" in again
    assert "created" not in again


def test_upgrading_an_older_schema_names_both_revisions(
    tmp_path: Path, empty_database_url: str
) -> None:
    upgrade_database(empty_database_url, "0003")
    said = upgrade(tmp_path, empty_database_url)
    assert f"upgraded the schema from revision 0003 to {newest_revision()}" in said
