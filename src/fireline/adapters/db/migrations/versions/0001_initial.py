"""The initial schema: incidents, timeline, roles, catalog, policy versions, keys.

Revision ID: 0001
Revises:
Create Date: 2025-11-25

Hand-written. Full-text search and the append-only guard differ per dialect: SQLite gets an
FTS5 external-content table kept in step by triggers and RAISE(ABORT) triggers; PostgreSQL a
tsvector column with a GIN index and a PL/pgSQL trigger function.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same DDL as fireline.adapters.db.types.UTCDateTime, spelled out so that this migration
# never changes when application code does.
Timestamp = sa.DateTime(timezone=True)
FILTERED_COLUMNS = ("status", "severity", "priority", "type", "team", "reporter")


def upgrade() -> None:
    is_pg = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "incidents",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("impact", sa.String(100)),
        sa.Column("urgency", sa.String(100)),
        sa.Column("priority", sa.String(100)),
        sa.Column("services", sa.Text, nullable=False),
        sa.Column("criticality", sa.String(100)),
        sa.Column("reporter", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(100)),
        sa.Column("team", sa.String(100)),
        sa.Column("support_tier", sa.Integer),
        sa.Column("steps_to_reproduce", sa.Text, nullable=False),
        sa.Column("links", sa.Text, nullable=False),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("resume_status", sa.String(30)),
        sa.Column("policy_version", sa.Integer, nullable=False),
        sa.Column("declared_at", Timestamp, nullable=False),
        sa.Column("reported_at", Timestamp, nullable=False),
        sa.Column("detected_at", Timestamp),
        sa.Column("acknowledged_at", Timestamp),
        sa.Column("acknowledged_by", sa.String(100)),
        sa.Column("identified_at", Timestamp),
        sa.Column("resolved_at", Timestamp),
        sa.Column("closed_at", Timestamp),
        *([sa.Column("search_vector", postgresql.TSVECTOR, nullable=False)] if is_pg else []),
    )
    # Listing is newest-declared first, i.e. by pk (the declaration sequence). One index per
    # filterable column, ending in pk, lets an equality filter walk in that order and stop at
    # LIMIT; listings with a date range walk (declared_at, pk) instead.
    op.create_index("ix_incidents_declared_at", "incidents", ["declared_at", "pk"])
    for name in FILTERED_COLUMNS:
        op.create_index(f"ix_incidents_{name}_pk", "incidents", [name, "pk"])

    # The primary key (service, incident_pk) is the index a service filter walks in order.
    op.create_table(
        "incident_services",
        sa.Column("service", sa.String(100), primary_key=True),
        sa.Column("incident_pk", sa.Integer, sa.ForeignKey("incidents.pk"), primary_key=True),
    )
    op.create_index("ix_incident_services_incident", "incident_services", ["incident_pk"])

    op.create_table(
        "timeline",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(40), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("field", sa.String(100)),
        sa.Column("before_value", sa.Text, nullable=False),
        sa.Column("after_value", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_timeline_incident_seq", "timeline", ["incident_id", "seq"])

    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(40), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("person", sa.String(100), nullable=False),
        sa.Column("since", Timestamp, nullable=False),
        sa.Column("until", Timestamp),
    )
    op.create_index("ix_role_assignments_incident", "role_assignments", ["incident_id", "role"])

    op.create_table(
        "services",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("criticality", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100)),
        sa.Column("customer_facing", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("is_from_policy", sa.Boolean, nullable=False),
    )
    op.create_table(
        "incident_sequences",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "policy_versions",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(128), nullable=False, unique=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("recorded_at", Timestamp, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(128), nullable=False),
        sa.Column("incident_id", sa.String(40), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "instance",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    # Every word of every title and description, so that a prefix search can name the whole
    # words it stands for: FTS5 and GIN answer `error OR errors` from their index at once,
    # but a prefix by merging every matching word's whole list (fireline.adapters.db.search).
    # Collation "C" on PostgreSQL: a prefix range must compare code points, not a locale.
    op.create_table(
        "search_words",
        sa.Column("word", sa.Text(collation="C") if is_pg else sa.Text, primary_key=True),
        sqlite_with_rowid=False,
    )
    if is_pg:
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_postgresql() -> None:
    op.create_index("ix_incidents_search", "incidents", ["search_vector"], postgresql_using="gin")
    op.execute(
        """
        CREATE FUNCTION fireline_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the timeline is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    # Row triggers: TRUNCATE does not fire them, nor does a session with
    # session_replication_role = replica (how tests reset the database).
    op.execute(
        "CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline "
        "FOR EACH ROW EXECUTE FUNCTION fireline_forbid_change()"
    )


def _upgrade_sqlite() -> None:
    # External content: the index stores no copy of the text. remove_diacritics 0 matches
    # the adapter's word splitting, which keeps accents (see fireline.adapters.db.search).
    op.execute(
        "CREATE VIRTUAL TABLE incidents_fts USING fts5(title, description, "
        "content='incidents', content_rowid='pk', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents BEGIN "
        "INSERT INTO incidents_fts(rowid, title, description) "
        "VALUES (new.pk, new.title, new.description); END"
    )
    op.execute(
        "CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title, description ON incidents "
        "BEGIN "
        "INSERT INTO incidents_fts(incidents_fts, rowid, title, description) "
        "VALUES ('delete', old.pk, old.title, old.description); "
        "INSERT INTO incidents_fts(rowid, title, description) "
        "VALUES (new.pk, new.title, new.description); END"
    )
    op.execute(
        "CREATE TRIGGER incidents_fts_delete AFTER DELETE ON incidents BEGIN "
        "INSERT INTO incidents_fts(incidents_fts, rowid, title, description) "
        "VALUES ('delete', old.pk, old.title, old.description); END"
    )
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER timeline_append_only_{operation.lower()} BEFORE {operation} "
            "ON timeline BEGIN "
            f"SELECT RAISE(ABORT, 'the timeline is append-only: {operation} is not allowed'); "
            "END"
        )


def downgrade() -> None:
    raise NotImplementedError("the initial schema has nothing to go back to")
