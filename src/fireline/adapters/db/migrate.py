"""Schema migrations: `upgrade_database` brings any database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from fireline.adapters.db.engine import create_database_engine

MIGRATIONS = Path(__file__).parent / "migrations"

# Any constant will do; it only has to be the same in every Fireline process.
_PG_MIGRATION_LOCK = 0x46495245


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply every migration the database at `url` lacks (up to `revision`, for tests of a
    migration's data); a no-op when it is up to date.

    Runs in one transaction, so a failed upgrade leaves the schema as it was. Processes that
    start at once upgrade one after the other: PostgreSQL takes an advisory lock, SQLite's
    BEGIN IMMEDIATE holds the write lock.
    """
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
