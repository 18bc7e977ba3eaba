"""What the identity and access use cases need from storage and from a password hasher.

`fireline.services.ports.Store` includes `AccessStore`: one transaction reads and writes
incidents and people alike, so a restriction change and its audit entry commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fireline.domain.access import Scope
from fireline.domain.audit import AuditAction, AuditEntry
from fireline.domain.people import Team, User
from fireline.domain.throttle import Throttle


@dataclass(frozen=True)
class TokenRecord:
    """An API token as stored: never the token itself, only its digest and first letters."""

    id: int
    user_name: str
    name: str
    prefix: str
    scope: Scope
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class SessionRecord:
    user_name: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class AccessGrant:
    """A person added by name to an incident's viewers."""

    user_name: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class AuditQuery:
    """Filters for reading the audit log, newest first (or oldest first); `before` continues
    past a `seq` going back, `after` going forward."""

    actor: str | None = None
    actions: tuple[AuditAction, ...] = ()
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    after: int | None = None
    """Entries newer than this seq (with `oldest_first`, to continue an export)."""
    oldest_first: bool = False
    limit: int = 100


@dataclass(frozen=True)
class RecordedAudit:
    seq: int
    entry: AuditEntry


class AccessStore(Protocol):
    """People, teams, credentials, throttles, the audit log and incident access lists."""

    def add_user(self, user: User, password_hash: str | None) -> None:
        """Raises DuplicateKey when the name or the email is taken."""
        ...

    def get_user(self, name: str) -> User | None: ...

    def get_users(self, names: Sequence[str]) -> dict[str, User]:
        """The users among `names`, by name."""
        ...

    def list_users(self) -> list[User]: ...

    def save_user(self, user: User) -> None:
        """Overwrite the user's fields (not the password); DuplicateKey for a taken email."""
        ...

    def password_hash(self, name: str) -> str | None: ...

    def set_password_hash(self, name: str, password_hash: str) -> None: ...

    def user_teams(self, name: str) -> frozenset[str]: ...

    def add_team(self, team: Team) -> None:
        """Raises DuplicateKey when the name is taken."""
        ...

    def get_team(self, name: str) -> Team | None: ...

    def get_teams(self, names: Sequence[str]) -> dict[str, Team]:
        """Those of `names` that are teams, by name (one query, however many)."""
        ...

    def list_teams(self) -> list[Team]: ...

    def team_members(self, team: str) -> list[str]: ...

    def add_team_member(self, team: str, user_name: str) -> bool:
        """False when they already were a member."""
        ...

    def remove_team_member(self, team: str, user_name: str) -> bool:
        """False when they were not a member."""
        ...

    def add_token(self, record: TokenRecord, digest: str) -> int:
        """Store a new token under the digest of its secret; returns its id."""
        ...

    def find_tokens(self, digests: Sequence[str]) -> dict[str, tuple[TokenRecord, User]]:
        """digest → (token, its owner) for those of `digests` that are stored tokens."""
        ...

    def teams_of(self, names: Sequence[str]) -> dict[str, frozenset[str]]:
        """person → their teams, for those of `names` in at least one team."""
        ...

    def get_token(self, token_id: int) -> TokenRecord | None: ...

    def list_tokens(self, user_name: str | None) -> list[TokenRecord]:
        """Tokens of one person (every token with None), newest first."""
        ...

    def revoke_token(self, token_id: int, now: datetime) -> None: ...

    def touch_token(self, token_id: int, now: datetime) -> None: ...

    def add_session(self, digest: str, record: SessionRecord) -> None: ...

    def find_session(self, digest: str) -> SessionRecord | None: ...

    def touch_session(self, digest: str, now: datetime) -> None: ...

    def end_session(self, digest: str, now: datetime) -> None: ...

    def end_sessions_of(self, user_name: str, now: datetime) -> None: ...

    def get_throttle(self, key: str, *, for_update: bool = False) -> Throttle:
        """The key's state (a fresh one when it has none); `for_update` locks it until the
        transaction ends, creating its row first so that there is a row to lock."""
        ...

    def save_throttle(self, throttle: Throttle) -> None: ...

    def clear_throttle(self, key: str) -> None: ...

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Add the entries; a refusal (`domain.audit.tally_of`) is counted into its tally's
        entry when one exists, in whichever process added it."""
        ...

    def list_audit(self, query: AuditQuery) -> list[RecordedAudit]: ...

    def prune_audit(self, before: datetime) -> int:
        """Move the retention horizon forward to `before` (never back) and delete the
        entries whose last act is before it; how many were deleted."""
        ...

    def access_grants(self, incident_id: str) -> list[AccessGrant]: ...

    def has_access(self, incident_id: str, user_name: str) -> bool: ...

    def add_access(self, incident_id: str, grant: AccessGrant) -> None: ...

    def remove_access(self, incident_id: str, user_name: str) -> None: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashing (argon2id in production)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches; False (never an exception) for a mismatch."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    @property
    def stand_in_hash(self) -> str:
        """A hash of no account's password, made with the current parameters: verifying
        against it costs what verifying a real one costs."""
        ...
