"""Identity and access: users, teams, API tokens, sessions, login throttles, the audit log,
restricted incidents and who may see them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Secrets are never stored: tokens and session IDs as SHA-256 digests (they are random, so a
fast digest suffices), passwords as argon2id hashes. The audit log is append-only like the
timeline, by the same kind of trigger.

Incidents declared before this migration of a type the policy restricts (by default
`security`, handbook 003) become restricted now, each with a timeline entry: upgrading must
not leave yesterday's breach readable by everyone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    is_pg = op.get_bind().dialect.name == "postgresql"
    # A plain ADD COLUMN (both backends have it): a batch "move and copy" on SQLite would
    # rebuild the table and drop the full-text triggers that 0001 hung on it.
    op.add_column(
        "incidents",
        sa.Column("is_restricted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    _restrict_existing(is_pg)
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("chat_handle", sa.String(100)),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "teams",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.create_table(
        "team_members",
        sa.Column("team", sa.String(64), sa.ForeignKey("teams.name"), primary_key=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), primary_key=True),
    )
    op.create_index("ix_team_members_user", "team_members", ["user_name"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("expires_at", Timestamp),
        sa.Column("revoked_at", Timestamp),
        sa.Column("last_used_at", Timestamp),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_name"])
    op.create_table(
        "sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("last_seen_at", Timestamp, nullable=False),
        sa.Column("ended_at", Timestamp),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_name"])
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", Timestamp),
        sa.Column("last_failure_at", Timestamp),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("client", sa.String(100)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "seq"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "seq"])
    op.create_table(
        "incident_access",
        sa.Column("incident_id", sa.String(40), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("user_name", sa.String(64), primary_key=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", Timestamp, nullable=False),
    )
    op.create_index("ix_incident_access_user", "incident_access", ["user_name"])
    if is_pg:
        # fireline_forbid_change() comes from 0001; its message names the timeline, so the
        # audit log gets its own.
        op.execute(
            """
            CREATE FUNCTION fireline_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
                    USING ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION fireline_audit_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_append_only_{operation.lower()} BEFORE {operation} "
                "ON audit_log BEGIN "
                f"SELECT RAISE(ABORT, 'the audit log is append-only: {operation} is not "
                "allowed'); END"
            )


def _restrict_existing(is_pg: bool) -> None:
    """Restrict incidents of the types the newest recorded policy restricts."""
    bind = op.get_bind()
    latest = bind.execute(
        sa.text("SELECT document FROM policy_versions ORDER BY version DESC LIMIT 1")
    ).first()
    if latest is None:
        return
    document = json.loads(latest[0])
    types = [entry["name"] for entry in document.get("incident_types", [])]
    chosen = (document.get("access") or {}).get("restricted_types")
    restricted = chosen if chosen is not None else [t for t in ("security",) if t in types]
    if not restricted:
        return
    incidents = sa.table(
        "incidents", sa.column("id", sa.String), sa.column("type", sa.String),
        sa.column("is_restricted", sa.Boolean),
    )  # fmt: skip
    found = bind.execute(
        sa.select(incidents.c.id, incidents.c.type).where(incidents.c.type.in_(restricted))
    ).all()
    if not found:
        return
    bind.execute(
        sa.update(incidents).where(incidents.c.type.in_(restricted)).values(is_restricted=True)
    )
    now = datetime.now(UTC)
    timeline = sa.table(
        "timeline", sa.column("incident_id", sa.String), sa.column("kind", sa.String),
        sa.column("at", Timestamp), sa.column("actor", sa.String),
        sa.column("summary", sa.Text), sa.column("field", sa.String),
        sa.column("before_value", sa.Text), sa.column("after_value", sa.Text),
        sa.column("note", sa.Text),
    )  # fmt: skip
    bind.execute(
        sa.insert(timeline),
        [
            {
                "incident_id": incident_id,
                "kind": "restriction_changed",
                # Stored as the application stores instants: naive UTC on SQLite.
                "at": now if is_pg else now.replace(tzinfo=None),
                "actor": "fireline",
                "summary": "Restricted: only the security team, admins, the reporter and "
                "people added by name can see this incident",
                "field": "restricted",
                "before_value": "false",
                "after_value": "true",
                "note": f"restricted on upgrade: {kind} incidents are restricted",
            }
            for incident_id, kind in found
        ],
    )


def downgrade() -> None:
    raise NotImplementedError("Fireline migrates forward only; restore a backup to go back")
