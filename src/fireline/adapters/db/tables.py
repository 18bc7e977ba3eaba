"""The schema as SQLAlchemy Core tables (the migrations own the DDL; these describe it).

Everything here exists on both backends except the full-text parts, which differ by nature:
SQLite keeps an FTS5 table ``incidents_fts`` in step with ``incidents`` through triggers,
PostgreSQL a ``search_vector`` column (see `incidents_pg`). Both are created in migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    column,
    table,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from fireline.adapters.db.types import UTCDateTime

metadata = MetaData()

incidents = Table(
    "incidents",
    metadata,
    # An integer key gives SQLite's FTS5 a stable rowid to point at; the public key is `id`.
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("type", String(100), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("impact", String(100)),
    Column("urgency", String(100)),
    Column("priority", String(100)),
    Column("services", Text, nullable=False),  # JSON list; also in incident_services
    Column("criticality", String(100)),
    Column("reporter", String(100), nullable=False),
    Column("owner", String(100)),
    Column("team", String(100)),
    Column("support_tier", Integer),
    Column("steps_to_reproduce", Text, nullable=False),
    Column("links", Text, nullable=False),  # JSON list
    Column("labels", Text, nullable=False),  # JSON list
    Column("status", String(30), nullable=False),
    Column("resume_status", String(30)),
    Column("policy_version", Integer, nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("reported_at", UTCDateTime, nullable=False),
    Column("detected_at", UTCDateTime),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(100)),
    Column("identified_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("is_restricted", Boolean, nullable=False),
)

INCIDENT_FIELDS = tuple(c.name for c in incidents.columns if c.name != "pk")
"""The columns that map one-to-one onto `Incident` fields, in the dataclass's order."""

pg_metadata = MetaData()
incidents_pg = Table(
    "incidents",
    pg_metadata,
    *(c._copy() for c in incidents.columns),
    # Written by the adapter from the same word splitting the queries use, so that both
    # backends agree on what a word is (see fireline.adapters.db.search).
    Column("search_vector", TSVECTOR, nullable=False),
)
"""`incidents` as PostgreSQL has it, with its full-text column; used for writes there."""

incidents_fts = table("incidents_fts", column("rowid", Integer))
search_words = table("search_words", column("word", Text))
"""Every word of every title and description (see `search.build_prefix_expansion`)."""
"""SQLite's FTS5 index over incidents (title, description); rowid is incidents.pk."""

incident_services = Table(
    "incident_services",
    metadata,
    # Keyed (service, incident_pk): a service filter walks this key in listing order.
    Column("service", String(100), primary_key=True),
    Column("incident_pk", Integer, ForeignKey("incidents.pk"), primary_key=True),
)

timeline = Table(
    "timeline",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(40), ForeignKey("incidents.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("summary", Text, nullable=False),
    Column("field", String(100)),
    Column("before_value", Text, nullable=False),  # JSON
    Column("after_value", Text, nullable=False),  # JSON
    Column("note", Text),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(40), ForeignKey("incidents.id"), nullable=False),
    Column("role", String(100), nullable=False),
    Column("person", String(100), nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("until", UTCDateTime),
)

services = Table(
    "services",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("criticality", String(100), nullable=False),
    Column("team", String(100)),
    Column("customer_facing", Boolean, nullable=False),
    Column("description", Text, nullable=False),
    Column("is_from_policy", Boolean, nullable=False),
)

incident_sequences = Table(
    "incident_sequences",
    metadata,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("digest", String(128), nullable=False, unique=True),
    Column("document", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(128), nullable=False),
    Column("incident_id", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

instance = Table(
    "instance",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(30), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("phone", String(20)),
    Column("chat_handle", String(100)),
    Column("time_zone", String(64), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("password_hash", String(200)),  # argon2id; None: the person cannot sign in
    Column("created_at", UTCDateTime, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team", String(64), ForeignKey("teams.name"), primary_key=True),
    Column("user_name", String(64), ForeignKey("users.name"), primary_key=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("prefix", String(16), nullable=False),  # its first characters, to recognise it
    Column("user_name", String(64), ForeignKey("users.name"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("scope", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
)

sessions = Table(
    "sessions",
    metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the cookie's value
    Column("user_name", String(64), ForeignKey("users.name"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
)

login_throttles = Table(
    "login_throttles",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("last_failure_at", UTCDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200)),
    Column("client", String(100)),
    Column("detail", Text, nullable=False),  # JSON object
    Column("count", Integer, nullable=False, server_default="1"),
    Column("last_at", UTCDateTime),
    Column("tally", String(64), unique=True),  # refusals: what they are counted under
)

audit_retention = Table(
    "audit_retention",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("horizon", UTCDateTime, nullable=False),  # entries before it may be deleted
)

incident_access = Table(
    "incident_access",
    metadata,
    Column("incident_id", String(40), ForeignKey("incidents.id"), primary_key=True),
    Column("user_name", String(64), primary_key=True),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

ALL_TABLES = (
    "worker_heartbeats",
    "notification_rules",
    "delivery_attempts",
    "deliveries",
    "oncall_overrides",
    "timers",
    "incident_access",
    "audit_log",
    "audit_retention",
    "login_throttles",
    "sessions",
    "api_tokens",
    "team_members",
    "teams",
    "users",
    "search_words",
    "timeline",
    "role_assignments",
    "incident_services",
    "incidents",
    "services",
    "incident_sequences",
    "policy_versions",
    "idempotency_keys",
    "instance",
)
"""Every table the application owns, children before parents."""

timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(40), ForeignKey("incidents.id"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("planned_at", UTCDateTime, nullable=False),
    Column("clock", String(30)),
    Column("level", Integer),
    Column("targets", Text, nullable=False),  # JSON list
    Column("note", Text, nullable=False),
    Column("fired_at", UTCDateTime),
    Column("brought_forward", Boolean, nullable=False),
)

oncall_overrides = Table(
    "oncall_overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(64), nullable=False),
    Column("person", String(64), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("incident_id", String(40), ForeignKey("incidents.id")),
    Column("notification", String(300), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("person", String(100)),
    Column("label", String(200), nullable=False),
    Column("method", String(20), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("address", String(320), nullable=False),
    Column("audience", String(64)),
    Column("template", String(20), nullable=False),
    Column("is_page", Boolean, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),  # JSON: text, short, markdown, blocks
    Column("status", String(20), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("claim", String(40)),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("receipt", Text),
    Column("last_error", Text),
    Column("fallback_of", Integer),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("delivery_id", Integer, ForeignKey("deliveries.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("outcome", String(20)),
    Column("detail", Text),
)

notification_rules = Table(
    "notification_rules",
    metadata,
    Column("user_name", String(64), ForeignKey("users.name"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("method", String(20), nullable=False),
    Column("after_seconds", Integer, nullable=False),
)

worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    Column("worker", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("beat_at", UTCDateTime, nullable=False),
)
