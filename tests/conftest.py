"""Shared fixtures: real databases for every test layer.

`database_url` runs a test once on SQLite (a fresh file) and once on PostgreSQL (a database
created for this test session and dropped at its end). PostgreSQL comes from
``FIRELINE_TEST_POSTGRES_URL`` (default: postgres@127.0.0.1:5432/test, used only to create
and drop the session's database); when it is unreachable its tests are skipped, unless
``FIRELINE_REQUIRE_POSTGRES=1`` (CI), which makes them fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from fireline.adapters.db.database import SqlDatabase
from fireline.adapters.db.engine import create_database_engine
from fireline.adapters.db.migrate import upgrade_database
from fireline.adapters.db.tables import ALL_TABLES

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty PostgreSQL databases (URLs), all dropped at session end."""
    server_url = os.environ.get("FIRELINE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    admin = create_engine(
        server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect():
            pass
    except Exception as error:  # any failure to connect means "no server here"
        admin.dispose()
        reason = f"PostgreSQL unreachable at {make_url(server_url)!r}: {error}"
        if os.environ.get("FIRELINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (FIRELINE_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    created: list[str] = []

    def create_database() -> str:
        name = f"fireline_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A commit need not wait for the disk: these databases are thrown away, and a
            # killed Fireline process (the crash tests) loses nothing the server has.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        created.append(name)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)

    yield create_database
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: Callable[[], str]) -> str:
    """The session's migrated PostgreSQL database."""
    url = postgres_server()
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (cheaper than migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "fireline.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated database with no data in it, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "fireline.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with no schema at all, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    create_database: Callable[[], str] = request.getfixturevalue("postgres_server")
    return create_database()


@pytest.fixture
def database_engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def database(database_engine: Engine) -> Iterator[SqlDatabase]:
    """An `SqlDatabase` on a migrated, empty database (parametrized over the backends)."""
    database = SqlDatabase(database_engine)
    yield database
    database.dispose()


def _empty_postgres(url: str) -> None:
    # Triggers off for this transaction only (session_replication_role = replica): the
    # append-only tables refuse DELETE and the foreign keys would fix an order. That is the
    # tests' bypass; nothing in the application turns triggers off. DELETE on these few rows
    # is several times cheaper than TRUNCATE, which rewrites every table's files.
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            # Connections an earlier test left (a killed server's, still closing) end
            # first: a transaction of theirs committing after the DELETEs would leave rows
            # (TRUNCATE waited for them; DELETE does not). Each test's own engine is made
            # after this. The timeout (ms) is a hang guard.
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in ALL_TABLES:
                if table != "audit_retention":
                    connection.execute(text(f"DELETE FROM {table}"))
            # The retention horizon's one row stays (nothing may add it back); its horizon
            # goes back to the migration's.
            connection.execute(text("UPDATE audit_retention SET horizon = '1970-01-01 00:00Z'"))
            connection.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass,"
                    " start_value, false) FROM pg_sequences WHERE schemaname = current_schema()"
                )
            )
    finally:
        engine.dispose()
