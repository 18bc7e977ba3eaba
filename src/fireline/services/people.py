"""Use cases for people and teams; each change is written to the audit log.

`actor` is whoever makes the change (`fireline-cli` for the command line on the server).
Whether the actor may do it at all is the entry point's question (its permission table).
Tokens are in `fireline.services.tokens`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from fireline.domain.access import AccessRole
from fireline.domain.audit import AuditAction, AuditEntry
from fireline.domain.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from fireline.domain.names import NameKind, NameReference
from fireline.domain.people import Team, User, check_handle, check_password, check_team, check_user
from fireline.domain.timeline import JsonValue
from fireline.services.access_ports import PasswordHasher
from fireline.services.authentication import account_key, count_attempt
from fireline.services.names import check_names
from fireline.services.ports import Database, DuplicateKey, Store

EDITABLE_USER_FIELDS = (
    "email",
    "full_name",
    "phone",
    "chat_handle",
    "time_zone",
    "role",
    "is_active",
)


def create_user(
    database: Database,
    hasher: PasswordHasher,
    user: User,
    *,
    password: str | None,
    actor: str,
    now: datetime,
    client: str | None = None,
) -> User:
    """Add a person; Conflict when the name or email is taken. Without a password they can
    use API tokens but not sign in to the web pages."""
    user = check_user(replace(user, created_at=now))
    password_hash = hasher.hash(check_password(password)) if password is not None else None
    with database.transaction() as store:
        try:
            store.add_user(user, password_hash)
        except DuplicateKey as taken:
            raise Conflict(str(taken)) from None
        detail = {"role": user.role.value}
        store.append_audit(
            [AuditEntry(now, actor, AuditAction.USER_CREATED, user.name, client, dict(detail))]
        )
    return user


def get_user(database: Database, name: str) -> tuple[User, frozenset[str]]:
    """The person and their teams; NotFound for an unknown name."""
    with database.transaction(write=False) as store:
        return load_user(store, name), store.user_teams(name)


def list_users(database: Database) -> list[User]:
    with database.transaction(write=False) as store:
        return store.list_users()


def update_user(
    database: Database,
    name: str,
    changes: Mapping[str, object],
    *,
    actor: str,
    now: datetime,
    client: str | None = None,
) -> User:
    """Change contact details, role or whether the person is active.

    Deactivating ends every session and revokes every token at once: reactivating someone
    gives them their access back, never their old credentials.
    """
    unknown = sorted(set(changes) - set(EDITABLE_USER_FIELDS))
    if unknown:
        raise InvalidInput(
            unknown[0], f"is not editable; editable: {', '.join(EDITABLE_USER_FIELDS)}"
        )
    if "role" in changes:
        try:
            changes = {**changes, "role": AccessRole(str(changes["role"]))}
        except ValueError:
            allowed = ", ".join(r.value for r in AccessRole)
            raise InvalidInput(
                "role", f"unknown role {changes['role']!r}; allowed: {allowed}"
            ) from None
    with database.transaction() as store:
        before = load_user(store, name)
        after = check_user(replace(before, **changes))  # type: ignore[arg-type]
        try:
            store.save_user(after)
        except DuplicateKey as taken:
            raise Conflict(str(taken)) from None
        entries = _user_change_entries(before, after, actor, now, client)
        if before.is_active and not after.is_active:
            store.end_sessions_of(name, now)
            for token in store.list_tokens(name):
                if token.revoked_at is None:
                    store.revoke_token(token.id, now)
                    entries.append(
                        AuditEntry(
                            now,
                            actor,
                            AuditAction.TOKEN_REVOKED,
                            f"token {token.id}",
                            client,
                            {"reason": "owner deactivated"},
                        )
                    )
        store.append_audit(entries)
    return after


def _user_change_entries(
    before: User, after: User, actor: str, now: datetime, client: str | None
) -> list[AuditEntry]:
    entries = []
    if before.role != after.role:
        detail = {"before": before.role.value, "after": after.role.value}
        entries.append(
            AuditEntry(now, actor, AuditAction.USER_ROLE_CHANGED, after.name, client, dict(detail))
        )
    if before.is_active != after.is_active:
        action = AuditAction.USER_REACTIVATED if after.is_active else AuditAction.USER_DEACTIVATED
        entries.append(AuditEntry(now, actor, action, after.name, client))
    contact: list[JsonValue] = [
        field
        for field in ("email", "full_name", "phone", "chat_handle", "time_zone")
        if getattr(before, field) != getattr(after, field)
    ]
    if contact:
        entries.append(
            AuditEntry(
                now, actor, AuditAction.USER_CHANGED, after.name, client, {"fields": contact}
            )
        )
    return entries


def set_password(
    database: Database,
    hasher: PasswordHasher,
    name: str,
    password: str,
    *,
    actor: str,
    now: datetime,
    client: str | None = None,
) -> None:
    """Set a new password and end the person's sessions (a reset should lock others out)."""
    password_hash = hasher.hash(check_password(password))
    with database.transaction() as store:
        load_user(store, name)
        store.set_password_hash(name, password_hash)
        store.end_sessions_of(name, now)
        store.append_audit([AuditEntry(now, actor, AuditAction.PASSWORD_CHANGED, name, client)])


def change_own_password(
    database: Database,
    hasher: PasswordHasher,
    name: str,
    *,
    current: str,
    new: str,
    now: datetime,
    client: str | None = None,
) -> None:
    """Change your own password, proving you know the current one; every session ends.

    Wrong current passwords count against the account as failed sign-ins do, so a stolen
    session or token is no faster way to guess the password (TooManyAttempts when locked).
    """
    check_password(new, field="new_password")
    key = account_key(name)
    with database.transaction() as store:
        locked, _ = count_attempt(store, [key], now)
        stored = store.password_hash(name)
    if locked:
        raise TooManyAttempts(locked)
    if not hasher.verify(stored or hasher.stand_in_hash, current) or stored is None:
        raise InvalidInput("current_password", "is not your current password")
    with database.transaction() as store:
        store.clear_throttle(key)
    set_password(database, hasher, name, new, actor=name, now=now, client=client)


def create_team(
    database: Database, team: Team, *, actor: str, now: datetime, client: str | None = None
) -> Team:
    team = check_team(team)
    with database.transaction() as store:
        try:
            store.add_team(team)
        except DuplicateKey as taken:
            raise Conflict(str(taken)) from None
        store.append_audit([AuditEntry(now, actor, AuditAction.TEAM_CREATED, team.name, client)])
    return team


def get_team(database: Database, name: str) -> tuple[Team, list[str]]:
    """The team and its members' names; NotFound for an unknown team."""
    with database.transaction(write=False) as store:
        team = store.get_team(name)
        if team is None:
            raise NotFound(f"no team {name[:80]!r}")
        return team, store.team_members(name)


def list_teams(database: Database) -> list[tuple[Team, list[str]]]:
    with database.transaction(write=False) as store:
        return [(team, store.team_members(team.name)) for team in store.list_teams()]


def set_team_member(
    database: Database,
    team: str,
    user_name: str,
    *,
    member: bool,
    actor: str,
    now: datetime,
    client: str | None = None,
) -> list[str]:
    """Add (`member`) or remove a person; returns the members afterwards.

    NotFound for an unknown team or person (names in the path); DeactivatedPerson for
    adding one who is deactivated (a membership, of the security team say, is access they
    would take up on reactivation, unseen). Anyone may be taken out."""
    with database.transaction() as store:
        check_names(
            store,
            [
                NameReference("team", team, NameKind.TEAM, in_path=True),
                NameReference(
                    "user", user_name, NameKind.PERSON, in_path=True, must_be_active=member
                ),
            ],
        )
        if member:
            changed = store.add_team_member(team, user_name)
            action = AuditAction.TEAM_MEMBER_ADDED
        else:
            changed = store.remove_team_member(team, user_name)
            action = AuditAction.TEAM_MEMBER_REMOVED
        if changed:
            store.append_audit([AuditEntry(now, actor, action, team, client, {"user": user_name})])
        return store.team_members(team)


def load_user(store: Store, name: str) -> User:
    try:
        check_handle("name", name)
    except InvalidInput:
        raise NotFound(f"no user {name[:80]!r}") from None
    user = store.get_user(name)
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user
