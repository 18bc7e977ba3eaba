"""`AccessStoreMixin`: people, teams, credentials, throttles, audit log and incident access.

Mixed into `SqlStore`, so these share the transaction of whatever use case calls them.
Credentials are looked up by the SHA-256 digest of their secret; the secret itself is never
written (see migration 0002).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from fireline.adapters.db.tables import (
    api_tokens,
    incident_access,
    sessions,
    team_members,
    teams,
    users,
)
from fireline.domain.access import AccessRole, Scope
from fireline.domain.people import Team, User
from fireline.services.access_ports import (
    AccessGrant,
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
# Both run on nearly every request, for all requests that arrived together: built once, with
# expanding IN parameters, so SQLAlchemy's compiled cache serves them.
_FIND_TOKENS = (
    select(
        api_tokens.c.digest,
        *(api_tokens.c[f] for f in _TOKEN_FIELDS),
        *(users.c[f] for f in _USER_FIELDS),
    )
    .join(users, users.c.name == api_tokens.c.user_name)
    .where(api_tokens.c.digest.in_(bindparam("digests", expanding=True)))
)
_TEAMS_OF = select(team_members.c.user_name, team_members.c.team).where(
    team_members.c.user_name.in_(bindparam("names", expanding=True))
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

    _insert: Callable[[Any], Any]
    """INSERT with ON CONFLICT for this dialect (from `CatalogStore`)."""

    # -- users and teams -------------------------------------------------------------

    def add_user(self, user: User, password_hash: str | None) -> None:
        row = {**_user_row(user), "password_hash": password_hash}
        stmt = self._insert(users).values(row).on_conflict_do_nothing().returning(users.c.name)
        if self._connection.execute(stmt).first() is None:
            raise DuplicateKey(f"a user named {user.name!r} or with email {user.email!r} exists")

    def get_user(self, name: str) -> User | None:
        row = self._connection.execute(_GET_USER, {"name": name}).first()
        return None if row is None else _user(row)

    def get_users(self, names: Sequence[str]) -> dict[str, User]:
        if not names:
            return {}
        stmt = select(*(users.c[f] for f in _USER_FIELDS)).where(users.c.name.in_(list(names)))
        return {user.name: user for user in map(_user, self._connection.execute(stmt))}

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
        stmt = self._insert(teams).values(row).on_conflict_do_nothing().returning(teams.c.name)
        if self._connection.execute(stmt).first() is None:
            raise DuplicateKey(f"a team named {team.name!r} already exists")

    def get_team(self, name: str) -> Team | None:
        row = self._connection.execute(select(teams).where(teams.c.name == name)).first()
        return None if row is None else Team(row.name, row.description)

    def get_teams(self, names: Sequence[str]) -> dict[str, Team]:
        if not names:
            return {}
        stmt = select(teams).where(teams.c.name.in_(list(names)))
        return {row.name: Team(row.name, row.description) for row in self._connection.execute(stmt)}

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
            self._insert(team_members)
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

    def find_tokens(self, digests: Sequence[str]) -> dict[str, tuple[TokenRecord, User]]:
        if not digests:
            return {}
        rows = self._connection.execute(_FIND_TOKENS, {"digests": list(digests)})
        width = len(_TOKEN_FIELDS)
        return {row[0]: (_token(row[1 : width + 1]), _user(row[width + 1 :])) for row in rows}

    def teams_of(self, names: Sequence[str]) -> dict[str, frozenset[str]]:
        if not names:
            return {}
        teams: dict[str, set[str]] = {}
        for user_name, team in self._connection.execute(_TEAMS_OF, {"names": list(names)}):
            teams.setdefault(user_name, set()).add(team)
        return {name: frozenset(found) for name, found in teams.items()}

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
        self._connection.execute(self._insert(incident_access).values(row).on_conflict_do_nothing())

    def remove_access(self, incident_id: str, user_name: str) -> None:
        g = incident_access.c
        stmt = delete(incident_access).where(g.incident_id == incident_id, g.user_name == user_name)
        self._connection.execute(stmt)


def _user_row(user: User) -> dict[str, Any]:
    row = {f: getattr(user, f) for f in _USER_FIELDS}
    row["role"] = user.role.value
    return row


def _user(row: Sequence[Any]) -> User:
    values = dict(zip(_USER_FIELDS, row, strict=True))
    values["role"] = AccessRole(values["role"])
    return User(**values)


def _token(row: Sequence[Any]) -> TokenRecord:
    values = dict(zip(_TOKEN_FIELDS, row, strict=True))
    values["scope"] = Scope(values["scope"])
    return TokenRecord(**values)
