"""Schema migrations: `upgrade_database` brings any database to the newest schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from fireline.adapters.db.engine import create_database_engine

MIGRATIONS = Path(__file__).parent / "migrations"

# Any constant will do; it only has to be the same in every Fireline process.
_PG_MIGRATION_LOCK = 0x46495245


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade_database` did: the schema revision before (None: there was no schema)
    and after."""

    before: str | None
    after: str | None

    def describe(self) -> str:
        """In words, for the person who ran the upgrade."""
        if self.before is None:
            return f"created the schema at revision {self.after}"
        if self.before == self.after:
            return f"already at revision {self.after}, nothing to do"
        return f"upgraded the schema from revision {self.before} to {self.after}"


def newest_revision() -> str:
    """The revision the newest migration brings a database to."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "the migrations folder has no migrations"
    return head


def upgrade_database(url: str, revision: str = "head") -> Upgrade:
    """Apply every migration the database at `url` lacks (up to `revision`, for tests of a
    migration's data); a no-op when it is up to date. Returns the revisions before and after.

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
            before = _revision(connection)
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            return Upgrade(before, _revision(connection))
    finally:
        engine.dispose()


def _revision(connection: Connection) -> str | None:
    """The database's schema revision; None when it has none (no `alembic_version` table)."""
    return MigrationContext.configure(connection).get_current_revision()
