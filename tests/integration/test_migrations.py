"""Migrations build the schema from nothing and are safe to run again."""

from __future__ import annotations

from sqlalchemy import inspect, text

from fireline.adapters.db.engine import create_database_engine
from fireline.adapters.db.migrate import upgrade_database
from fireline.adapters.db.tables import ALL_TABLES


def test_upgrading_an_empty_database_twice_builds_the_schema_once(
    empty_database_url: str,
) -> None:
    upgrade_database(empty_database_url)
    upgrade_database(empty_database_url)
    engine = create_database_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert set(ALL_TABLES) <= tables
    assert versions == [("0003",)]
