"""`AccessStoreMixin`: people, teams, credentials, throttles, audit log and incident access.

Mixed into `SqlStore`, so these share the transaction of whatever use case calls them.
Credentials are looked up by the SHA-256 digest of their secret; the secret itself is never
written (see migration 0002).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from fireline.adapters.db.tables import (
    api_tokens,
    audit_log,
    incident_access,
    login_throttles,
    sessions,
    team_members,
    teams,
    users,
)
from fireline.domain.access import AccessRole, Scope
from fireline.domain.audit import AuditAction, AuditEntry
from fireline.domain.people import Team, User
from fireline.domain.throttle import Throttle
from fireline.services.access_ports import (
    AccessGrant,
    AuditQuery,
    RecordedAudit,
    SessionRecord,
    TokenRecord,
)
from fireline.services.ports import DuplicateKey

_USER_FIELDS = (
    "name",
    "email",
    "role",
    "full_name",
    "phone",
    "chat_handle",
    "time_zone",
    "is_active",
    "created_at",
)
_TOKEN_FIELDS = (
    "id",
    "user_name",
    "name",
    "prefix",
    "scope",
    "created_at",
    "created_by",
    "expires_at",
    "revoked_at",
    "last_used_at",
)
# Run on every authenticated request: built once so SQLAlchemy's compiled cache serves it.
_FIND_TOKEN = select(*(api_tokens.c[f] for f in _TOKEN_FIELDS)).where(
    api_tokens.c.digest == bindparam("digest")
)
_FIND_SESSION = select(
    sessions.c.user_name,
    sessions.c.created_at,
    sessions.c.expires_at,
    sessions.c.last_seen_at,
    sessions.c.ended_at,
).where(sessions.c.digest == bindparam("digest"))
_GET_USER = select(*(users.c[f] for f in _USER_FIELDS)).where(users.c.name == bindparam("name"))
_USER_TEAMS = select(team_members.c.team).where(team_members.c.user_name == bindparam("name"))


class AccessStoreMixin:
    """Implements `fireline.services.access_ports.AccessStore` on one connection."""

    _connection: Connection
    _dialect: str

    def _upsert(self, table: Any) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    # -- users and teams -------------------------------------------------------------

    def add_user(self, user: User, password_hash: str | None) -> None:
        row = {**_user_row(user), "password_hash": password_hash}
        stmt = self._upsert(users).values(row).on_conflict_do_nothing().returning(users.c.name)
        if self._connection.execute(stmt).first() is None:
            raise DuplicateKey(f"a user named {user.name!r} or with email {user.email!r} exists")

    def get_user(self, name: str) -> User | None:
        row = self._connection.execute(_GET_USER, {"name": name}).first()
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        stmt = select(*(users.c[f] for f in _USER_FIELDS)).order_by(users.c.name)
        return [_user(row) for row in self._connection.execute(stmt)]

    def save_user(self, user: User) -> None:
        taken = self._connection.execute(
            select(users.c.name).where(users.c.email == user.email, users.c.name != user.name)
        ).first()
        if taken is not None:
            raise DuplicateKey(f"another user has the email {user.email!r}")
        row = _user_row(user)
        del row["created_at"]
        self._connection.execute(update(users).where(users.c.name == user.name).values(row))

    def password_hash(self, name: str) -> str | None:
        stmt = select(users.c.password_hash).where(users.c.name == name)
        row = self._connection.execute(stmt).first()
        return None if row is None else row[0]

    def set_password_hash(self, name: str, password_hash: str) -> None:
        stmt = update(users).where(users.c.name == name).values(password_hash=password_hash)
        self._connection.execute(stmt)

    def user_teams(self, name: str) -> frozenset[str]:
        return frozenset(row[0] for row in self._connection.execute(_USER_TEAMS, {"name": name}))

    def add_team(self, team: Team) -> None:
        row = {"name": team.name, "description": team.description}
        stmt = self._upsert(teams).values(row).on_conflict_do_nothing().returning(teams.c.name)
        if self._connection.execute(stmt).first() is None:
            raise DuplicateKey(f"a team named {team.name!r} already exists")

    def get_team(self, name: str) -> Team | None:
        row = self._connection.execute(select(teams).where(teams.c.name == name)).first()
        return None if row is None else Team(row.name, row.description)

    def list_teams(self) -> list[Team]:
        stmt = select(teams).order_by(teams.c.name)
        return [Team(row.name, row.description) for row in self._connection.execute(stmt)]

    def team_members(self, team: str) -> list[str]:
        stmt = (
            select(team_members.c.user_name)
            .where(team_members.c.team == team)
            .order_by(team_members.c.user_name)
        )
        return [row[0] for row in self._connection.execute(stmt)]

    def add_team_member(self, team: str, user_name: str) -> bool:
        stmt = (
            self._upsert(team_members)
            .values(team=team, user_name=user_name)
            .on_conflict_do_nothing()
            .returning(team_members.c.team)
        )
        return self._connection.execute(stmt).first() is not None

    def remove_team_member(self, team: str, user_name: str) -> bool:
        m = team_members.c
        stmt = delete(team_members).where(m.team == team, m.user_name == user_name)
        return self._connection.execute(stmt).rowcount > 0

    # -- API tokens and sessions -----------------------------------------------------

    def add_token(self, record: TokenRecord, digest: str) -> int:
        row = {f: getattr(record, f) for f in _TOKEN_FIELDS if f != "id"}
        row["scope"] = record.scope.value
        row["digest"] = digest
        stmt = insert(api_tokens).values(row).returning(api_tokens.c.id)
        return int(self._connection.execute(stmt).scalar_one())

    def find_token(self, digest: str) -> TokenRecord | None:
        row = self._connection.execute(_FIND_TOKEN, {"digest": digest}).first()
        return None if row is None else _token(row)

    def get_token(self, token_id: int) -> TokenRecord | None:
        stmt = select(*(api_tokens.c[f] for f in _TOKEN_FIELDS)).where(api_tokens.c.id == token_id)
        row = self._connection.execute(stmt).first()
        return None if row is None else _token(row)

    def list_tokens(self, user_name: str | None) -> list[TokenRecord]:
        stmt = select(*(api_tokens.c[f] for f in _TOKEN_FIELDS)).order_by(api_tokens.c.id.desc())
        if user_name is not None:
            stmt = stmt.where(api_tokens.c.user_name == user_name)
        return [_token(row) for row in self._connection.execute(stmt)]

    def revoke_token(self, token_id: int, now: datetime) -> None:
        t = api_tokens.c
        stmt = update(api_tokens).where(t.id == token_id, t.revoked_at.is_(None))
        self._connection.execute(stmt.values(revoked_at=now))

    def touch_token(self, token_id: int, now: datetime) -> None:
        stmt = update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
        self._connection.execute(stmt)

    def add_session(self, digest: str, record: SessionRecord) -> None:
        row = {
            "digest": digest,
            "user_name": record.user_name,
            "created_at": record.created_at,
            "expires_at": record.expires_at,
            "last_seen_at": record.last_seen_at,
        }
        self._connection.execute(insert(sessions).values(row))

    def find_session(self, digest: str) -> SessionRecord | None:
        row = self._connection.execute(_FIND_SESSION, {"digest": digest}).first()
        return None if row is None else SessionRecord(*row)

    def touch_session(self, digest: str, now: datetime) -> None:
        stmt = update(sessions).where(sessions.c.digest == digest).values(last_seen_at=now)
        self._connection.execute(stmt)

    def end_session(self, digest: str, now: datetime) -> None:
        s = sessions.c
        stmt = update(sessions).where(s.digest == digest, s.ended_at.is_(None))
        self._connection.execute(stmt.values(ended_at=now))

    def end_sessions_of(self, user_name: str, now: datetime) -> None:
        s = sessions.c
        stmt = update(sessions).where(s.user_name == user_name, s.ended_at.is_(None))
        self._connection.execute(stmt.values(ended_at=now))

    # -- login throttles -------------------------------------------------------------

    def get_throttle(self, key: str) -> Throttle:
        stmt = select(login_throttles).where(login_throttles.c.key == key)
        if self._dialect == "postgresql":
            stmt = stmt.with_for_update()
        row = self._connection.execute(stmt).first()
        if row is None:
            return Throttle(key)
        return Throttle(row.key, row.failures, row.locked_until, row.last_failure_at)

    def save_throttle(self, throttle: Throttle) -> None:
        row = {
            "key": throttle.key,
            "failures": throttle.failures,
            "locked_until": throttle.locked_until,
            "last_failure_at": throttle.last_failure_at,
        }
        stmt = self._upsert(login_throttles).values(row)
        stmt = stmt.on_conflict_do_update(index_elements=[login_throttles.c.key], set_=row)
        self._connection.execute(stmt)

    def clear_throttle(self, key: str) -> None:
        self._connection.execute(delete(login_throttles).where(login_throttles.c.key == key))

    # -- audit log -------------------------------------------------------------------

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        rows = [
            {
                "at": e.at,
                "actor": e.actor[:64],
                "action": e.action.value,
                "target": e.target and e.target[:200],
                "client": e.client and e.client[:100],
                "detail": json.dumps(e.detail),
            }
            for e in entries
        ]
        if rows:
            self._connection.execute(insert(audit_log), rows)

    def list_audit(self, query: AuditQuery) -> list[RecordedAudit]:
        a = audit_log.c
        stmt = select(audit_log).order_by(a.seq.desc()).limit(query.limit)
        if query.actor is not None:
            stmt = stmt.where(a.actor == query.actor)
        if query.actions:
            stmt = stmt.where(a.action.in_([action.value for action in query.actions]))
        if query.target is not None:
            stmt = stmt.where(a.target == query.target)
        if query.since is not None:
            stmt = stmt.where(a.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(a.at < query.until)
        if query.before is not None:
            stmt = stmt.where(a.seq < query.before)
        return [
            RecordedAudit(
                row.seq,
                AuditEntry(
                    at=row.at,
                    actor=row.actor,
                    action=AuditAction(row.action),
                    target=row.target,
                    client=row.client,
                    detail=json.loads(row.detail),
                ),
            )
            for row in self._connection.execute(stmt)
        ]

    # -- incident access lists -------------------------------------------------------

    def access_grants(self, incident_id: str) -> list[AccessGrant]:
        g = incident_access.c
        stmt = (
            select(g.user_name, g.added_by, g.added_at)
            .where(g.incident_id == incident_id)
            .order_by(g.user_name)
        )
        return [AccessGrant(*row) for row in self._connection.execute(stmt)]

    def has_access(self, incident_id: str, user_name: str) -> bool:
        g = incident_access.c
        stmt = select(g.user_name).where(g.incident_id == incident_id, g.user_name == user_name)
        return self._connection.execute(stmt).first() is not None

    def add_access(self, incident_id: str, grant: AccessGrant) -> None:
        row = {
            "incident_id": incident_id,
            "user_name": grant.user_name,
            "added_by": grant.added_by,
            "added_at": grant.added_at,
        }
        self._connection.execute(self._upsert(incident_access).values(row).on_conflict_do_nothing())

    def remove_access(self, incident_id: str, user_name: str) -> None:
        g = incident_access.c
        stmt = delete(incident_access).where(g.incident_id == incident_id, g.user_name == user_name)
        self._connection.execute(stmt)


def _user_row(user: User) -> dict[str, Any]:
    row = {f: getattr(user, f) for f in _USER_FIELDS}
    row["role"] = user.role.value
    return row


def _user(row: Row[Any]) -> User:
    values = dict(zip(_USER_FIELDS, row, strict=True))
    values["role"] = AccessRole(values["role"])
    return User(**values)


def _token(row: Row[Any]) -> TokenRecord:
    values = dict(zip(_TOKEN_FIELDS, row, strict=True))
    values["scope"] = Scope(values["scope"])
    return TokenRecord(**values)
