"""Migrations build the schema from nothing and are safe to run again."""

from __future__ import annotations

import json

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
    # Every table, so that the tests' reset (tests/conftest.py), which empties ALL_TABLES,
    # misses none. (SQLite's full-text index of incidents is a virtual table and its
    # shadow tables, kept by triggers.)
    index = {t for t in tables if t.startswith("incidents_fts")}
    assert set(ALL_TABLES) == tables - {"alembic_version"} - index
    assert versions == [("0008",)]


def test_security_incidents_declared_before_access_control_become_restricted(
    empty_database_url: str,
) -> None:
    upgrade_database(empty_database_url, "0001")
    engine = create_database_engine(empty_database_url)
    document = json.dumps({"incident_types": [{"name": "security"}, {"name": "data"}]})
    vector = ", search_vector" if engine.dialect.name == "postgresql" else ""
    vector_value = ", ''::tsvector" if engine.dialect.name == "postgresql" else ""
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO policy_versions (name, digest, document, recorded_at) "
                    "VALUES ('old', 'd1', :document, :at)"
                ),
                {"document": document, "at": "2026-11-20 10:00:00"},
            )
            for number, kind in ((1, "security"), (2, "data")):
                connection.execute(
                    text(
                        "INSERT INTO incidents (id, title, description, type, severity, "
                        "services, reporter, steps_to_reproduce, links, labels, status, "
                        f"policy_version, declared_at, reported_at{vector}) VALUES (:id, 't', "
                        "'', :type, 2, '[]', 'ana', '', '[]', '[]', 'open', 1, :at, :at"
                        f"{vector_value})"
                    ),
                    {"id": f"INC-2026-1120-00{number}", "type": kind, "at": "2026-11-20 10:00:00"},
                )
        upgrade_database(empty_database_url)
        with engine.connect() as connection:
            flags = dict(
                connection.execute(text("SELECT type, is_restricted FROM incidents")).all()
            )
            events = connection.execute(
                text("SELECT incident_id, kind, actor, note FROM timeline")
            ).all()
    finally:
        engine.dispose()
    assert flags == {"security": True, "data": False}
    assert events == [
        (
            "INC-2026-1120-001",
            "restriction_changed",
            "fireline",
            "restricted on upgrade: security incidents are restricted",
        )
    ]
