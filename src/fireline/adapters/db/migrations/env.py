"""Alembic environment: runs on the connection `upgrade_database` passes in.

There is no alembic.ini and no offline (SQL script) mode; migrations always run against a
live connection inside the caller's transaction.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through fireline.adapters.db.migrate.upgrade_database")

context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
