"""The audit log counts repeated refusals, and keeps entries until an admin prunes them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

- audit_log.count and .last_at: how many refusals one entry stands for and when the last
  happened. `tally` is the digest of what they are counted under (window, action, actor,
  target, client), NULL for entries of their own; it is unique, so every process counts
  into the same row with ``INSERT … ON CONFLICT (tally) DO UPDATE``.
- audit_retention: one row, made here (horizon 1970-01-01), the retention horizon.
  `fireline audit prune --before D` moves it forward to D and deletes the entries before it.
  The row cannot be added, deleted, or moved back, nor past the database's own clock: a
  horizon in the future would make today's entries deletable.
- The append-only triggers now allow exactly two changes, and refuse everything else as
  before: an UPDATE of a counted entry that adds one to `count` (one more refusal) and
  moves `last_at` on (never back) while every other column stays as it was, and a DELETE
  of an entry whose last act (`last_at`, else `at`) is before the horizon.
  The horizon itself only moves forward, never past now, and cannot be added or deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from fireline.adapters.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSED = "the audit log is append-only: {} is not allowed"
_SQLITE_COUNTED = (
    "OLD.tally IS NOT NULL AND NEW.tally IS OLD.tally AND NEW.seq IS OLD.seq "
    "AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor AND NEW.action IS OLD.action "
    "AND NEW.target IS OLD.target AND NEW.client IS OLD.client AND NEW.detail IS OLD.detail "
    "AND NEW.count = OLD.count + 1 AND NEW.last_at >= OLD.last_at"
)
# Naive UTC text, as UTCDateTime stores instants in SQLite, so the two compare as text.
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
# A missing horizon row gives NULL, and COALESCE(…, 0) refuses: the triggers fail closed.
_SQLITE_PRUNABLE = (
    "COALESCE(OLD.last_at, OLD.at) < (SELECT horizon FROM audit_retention WHERE id = 1)"
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("count", sa.Integer, nullable=False, server_default="1"))
    op.add_column("audit_log", sa.Column("last_at", UTCDateTime))
    op.add_column("audit_log", sa.Column("tally", sa.String(64)))
    op.create_index("ux_audit_log_tally", "audit_log", ["tally"], unique=True)
    retention = op.create_table(
        "audit_retention",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("horizon", UTCDateTime, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_retention_one_row"),
    )
    # The one row, before the triggers that refuse adding any.
    op.bulk_insert(retention, [{"id": 1, "horizon": datetime(1970, 1, 1, tzinfo=UTC)}])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _postgres_triggers() -> None:
    # Same function name as 0002, so its trigger on audit_log now runs these rules.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION fireline_audit_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.tally IS NOT NULL AND NEW.tally = OLD.tally
                AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor
                AND NEW.action = OLD.action AND NEW.target IS NOT DISTINCT FROM OLD.target
                AND NEW.client IS NOT DISTINCT FROM OLD.client AND NEW.detail = OLD.detail
                AND NEW.count = OLD.count + 1 AND NEW.last_at >= OLD.last_at THEN
                RETURN NEW;
            END IF;
            IF TG_OP = 'DELETE' AND COALESCE(OLD.last_at, OLD.at)
                < (SELECT horizon FROM audit_retention WHERE id = 1) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION fireline_audit_horizon_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.horizon >= OLD.horizon
                AND NEW.horizon <= now() THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'the audit retention horizon only moves forward: % is not allowed',
                TG_OP USING ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_retention_forward BEFORE INSERT OR UPDATE OR DELETE "
        "ON audit_retention FOR EACH ROW EXECUTE FUNCTION fireline_audit_horizon_forward()"
    )


def _sqlite_triggers() -> None:
    for operation, allowed in (("UPDATE", _SQLITE_COUNTED), ("DELETE", _SQLITE_PRUNABLE)):
        name = f"audit_log_append_only_{operation.lower()}"
        op.execute(f"DROP TRIGGER {name}")
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {operation} ON audit_log "
            f"WHEN NOT COALESCE(({allowed}), 0) BEGIN "
            f"SELECT RAISE(ABORT, '{_REFUSED.format(operation)}'); END"
        )
    op.execute(
        "CREATE TRIGGER audit_retention_forward BEFORE UPDATE ON audit_retention "
        "WHEN NOT COALESCE((NEW.id IS OLD.id AND NEW.horizon >= OLD.horizon "
        f"AND NEW.horizon <= {_SQLITE_NOW}), 0) BEGIN "
        "SELECT RAISE(ABORT, 'the audit retention horizon only moves forward: UPDATE is "
        "not allowed'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_retention_one_row BEFORE INSERT ON audit_retention BEGIN "
        "SELECT RAISE(ABORT, 'the audit retention horizon only moves forward: INSERT is "
        "not allowed'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_retention_kept BEFORE DELETE ON audit_retention BEGIN "
        "SELECT RAISE(ABORT, 'the audit retention horizon only moves forward: DELETE is "
        "not allowed'); END"
    )


def downgrade() -> None:
    raise NotImplementedError("Fireline migrates forward only; restore a backup to go back")
