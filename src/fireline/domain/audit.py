"""The audit log: security-relevant acts, append-only, separate from incident timelines.

Timelines tell the story of one incident to the people working it; the audit log tells an
administrator who signed in, who was refused, and who changed whose access.

Refusals repeat: a script with a read-only token can be refused hundreds of times a second.
Each refusal of one caller, action, target and address within one `REFUSAL_WINDOW` is
counted into the first one's entry (`count`, `last_at`) instead of adding an entry, so the
log says as much in a few rows as it did in thousands, and writing it stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from fireline.domain.timeline import JsonValue


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED = "login.locked"
    """An attempt refused unchecked because its account or address is locked."""
    LOGOUT = "logout"
    AUTHENTICATION_FAILED = "authentication.failed"
    """A request with a token or session that is unknown, expired, revoked or deactivated."""
    PERMISSION_DENIED = "permission.denied"
    CSRF_REFUSED = "csrf.refused"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    TOKEN_FIRST_USED = "token.first_used"
    USER_CREATED = "user.created"
    USER_CHANGED = "user.changed"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    PASSWORD_CHANGED = "user.password_changed"
    TEAM_CREATED = "team.created"
    TEAM_MEMBER_ADDED = "team.member_added"
    TEAM_MEMBER_REMOVED = "team.member_removed"
    INCIDENT_RESTRICTED = "incident.restricted"
    INCIDENT_UNRESTRICTED = "incident.unrestricted"
    INCIDENT_ACCESS_GRANTED = "incident.access_granted"
    INCIDENT_ACCESS_REVOKED = "incident.access_revoked"
    AUDIT_PRUNED = "audit.pruned"
    """Entries older than a date were removed (`fireline audit prune`)."""


REFUSALS = frozenset(
    {
        AuditAction.AUTHENTICATION_FAILED,
        AuditAction.PERMISSION_DENIED,
        AuditAction.CSRF_REFUSED,
        AuditAction.LOGIN_LOCKED,
    }
)
"""The actions counted per window rather than written one by one: each is a request refused
before it did anything, which a caller can repeat as fast as it likes."""

REFUSAL_WINDOW = timedelta(minutes=10)
"""How long one entry counts the same refusal: windows start at the epoch, so every process
puts a refusal in the same window. Ten minutes keeps a steady refusal to six entries an
hour, and still says to the quarter hour when it began and ended (`at`, `last_at`)."""


ANONYMOUS = "(anonymous)"
"""The actor of an entry made before anyone was authenticated."""


@dataclass(frozen=True)
class AuditEntry:
    """One act: who (`actor`), what (`action`), on what (`target`), from where (`client`).

    `detail` never holds a password, token or session secret.
    """

    at: datetime
    actor: str
    action: AuditAction
    target: str | None = None
    client: str | None = None
    detail: dict[str, JsonValue] = field(default_factory=dict)
    count: int = 1
    """How many acts the entry stands for: more than one only for `REFUSALS`."""
    last_at: datetime | None = None
    """When the last of `count` happened; None when that is `at`."""


@dataclass(frozen=True)
class Tally:
    """What refusals are counted together: the same action by the same actor on the same
    target from the same address, in the `REFUSAL_WINDOW` that starts at `window`."""

    window: datetime
    action: AuditAction
    actor: str
    target: str | None
    client: str | None


def tally_of(entry: AuditEntry) -> Tally | None:
    """The tally `entry` is counted in, or None when it is an entry of its own."""
    if entry.action not in REFUSALS:
        return None
    return Tally(window_of(entry.at), entry.action, entry.actor, entry.target, entry.client)


def window_of(at: datetime) -> datetime:
    """The start of the `REFUSAL_WINDOW` that `at` (timezone-aware) falls in."""
    since_epoch = at.astimezone(UTC) - _EPOCH
    return _EPOCH + since_epoch // REFUSAL_WINDOW * REFUSAL_WINDOW


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
