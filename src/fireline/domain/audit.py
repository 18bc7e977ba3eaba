"""The audit log: security-relevant acts, append-only, separate from incident timelines.

Timelines tell the story of one incident to the people working it; the audit log tells an
administrator who signed in, who was refused, and who changed whose access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
