"""The SQL database: SQLite embedded by default, PostgreSQL to scale out; one schema, one behaviour.

Public surface::

    create_database_engine(url) -> Engine     sqlite:///path or postgresql+psycopg://…
    upgrade_database(url) -> Upgrade           migrate to the newest schema (idempotent); the
                                               revisions before and after
    SqlDatabase(engine).transaction()          -> a Store (fireline.services.ports) per transaction
"""

from fireline.adapters.db.database import SqlDatabase
from fireline.adapters.db.engine import create_database_engine
from fireline.adapters.db.migrate import Upgrade, upgrade_database

__all__ = ["SqlDatabase", "Upgrade", "create_database_engine", "upgrade_database"]
