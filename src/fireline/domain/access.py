"""Who may do what, and who may see which incident.

Two questions, kept apart because they fail differently:

- **May this person call this route at all?** Their access role grants permissions
  (`ROLE_PERMISSIONS`); an API token narrows them to its scope (`SCOPE_PERMISSIONS`). A
  missing permission is answered 403: the route exists for everybody, so saying no reveals
  nothing.
- **May this person see this incident?** (`can_see`.) An incident they may not see does not
  exist for them: 404 on direct access, absent from every list and count. Answering 403
  there would confirm that the incident exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AccessRole(StrEnum):
    """A person's role in Fireline itself (not a role on an incident, see `policy.Role`)."""

    ADMIN = "admin"
    INCIDENT_MANAGER = "incident_manager"
    RESPONDER = "responder"
    REPORTER = "reporter"
    VIEWER = "viewer"


class Scope(StrEnum):
    """How much of its owner's permissions an API token carries."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Permission(StrEnum):
    """One thing a route does; every route declares exactly one (or none: public)."""

    SELF_READ = "self.read"
    """See who you are (`/me`)."""
    SELF_PASSWORD = "self.password"
    """Change your own password (knowing the current one)."""
    SELF_NOTIFY = "self.notify"
    """Set how pages reach you (your notification rules)."""
    INCIDENT_READ = "incident.read"
    """Read incidents, their timelines and roles (only the visible ones, see `can_see`)."""
    INCIDENT_DECLARE = "incident.declare"
    INCIDENT_COMMENT = "incident.comment"
    INCIDENT_RESPOND = "incident.respond"
    """Change fields and status, acknowledge, hand out incident roles."""
    INCIDENT_RESTRICT = "incident.restrict"
    """Restrict or open up an incident and choose who else may see it."""
    CATALOG_READ = "catalog.read"
    CATALOG_WRITE = "catalog.write"
    PEOPLE_READ = "people.read"
    """See users (with their contact details) and teams."""
    PEOPLE_WRITE = "people.write"
    """Create and change users, teams, memberships and access roles."""
    TOKEN_OWN = "token.own"
    """Create, list and revoke your own API tokens."""
    TOKEN_ANY = "token.any"
    """Create, list and revoke anybody's API tokens."""
    AUDIT_READ = "audit.read"
    SCHEDULE_READ = "schedule.read"
    """See on-call schedules, who is on call, shifts and their calendar feeds."""
    SCHEDULE_WRITE = "schedule.write"
    """Add and remove on-call overrides (cover someone's shift)."""


_READ = frozenset(
    {
        Permission.SELF_READ,
        Permission.INCIDENT_READ,
        Permission.CATALOG_READ,
        Permission.PEOPLE_READ,
        Permission.SCHEDULE_READ,
    }
)
_WRITE = _READ | {
    Permission.INCIDENT_DECLARE,
    Permission.INCIDENT_COMMENT,
    Permission.INCIDENT_RESPOND,
    Permission.INCIDENT_RESTRICT,
    Permission.CATALOG_WRITE,
    Permission.SCHEDULE_WRITE,
    Permission.TOKEN_OWN,
    Permission.SELF_PASSWORD,
    Permission.SELF_NOTIFY,
}

SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.READ: _READ,
    Scope.WRITE: _WRITE,
    Scope.ADMIN: frozenset(Permission),
}
"""What a token of each scope may do at most (its owner's role may allow less)."""

_VIEWER = frozenset(
    {
        Permission.SELF_READ,
        Permission.SELF_PASSWORD,
        Permission.SELF_NOTIFY,
        Permission.INCIDENT_READ,
        Permission.CATALOG_READ,
        Permission.SCHEDULE_READ,
        Permission.TOKEN_OWN,
    }
)
_REPORTER = _VIEWER | {Permission.INCIDENT_DECLARE, Permission.INCIDENT_COMMENT}
_RESPONDER = _REPORTER | {
    Permission.INCIDENT_RESPOND,
    Permission.PEOPLE_READ,
    Permission.SCHEDULE_WRITE,
}
_INCIDENT_MANAGER = _RESPONDER | {Permission.INCIDENT_RESTRICT, Permission.CATALOG_WRITE}

ROLE_PERMISSIONS: dict[AccessRole, frozenset[Permission]] = {
    AccessRole.VIEWER: _VIEWER,
    AccessRole.REPORTER: _REPORTER,
    AccessRole.RESPONDER: _RESPONDER,
    AccessRole.INCIDENT_MANAGER: _INCIDENT_MANAGER,
    AccessRole.ADMIN: frozenset(Permission),
}
"""The permission matrix (docs/permissions.md shows it as a table)."""

SEES_EVERY_OPEN_INCIDENT = frozenset(
    {AccessRole.VIEWER, AccessRole.RESPONDER, AccessRole.INCIDENT_MANAGER, AccessRole.ADMIN}
)
"""Roles that see every incident that is not restricted; reporters see only their own."""


@dataclass(frozen=True)
class Caller:
    """An authenticated person as one request sees them.

    `scope` is the token's scope, or ADMIN for a web session (which carries the whole role).
    `token_id` and `token_expires_at` describe the token used, if one was.
    """

    name: str
    role: AccessRole
    teams: frozenset[str] = frozenset()
    scope: Scope = Scope.ADMIN
    token_id: int | None = None
    token_expires_at: datetime | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role] & SCOPE_PERMISSIONS[self.scope]

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class Visibility:
    """Which incidents a caller sees, in the terms a query can use.

    Besides the two flags, a caller always sees the incidents they reported and those they
    were added to by name.
    """

    user: str
    sees_open: bool
    """Every incident that is not restricted."""
    sees_restricted: bool
    """Every restricted incident."""

    @property
    def sees_everything(self) -> bool:
        return self.sees_open and self.sees_restricted


def visibility_of(caller: Caller, *, security_team: str | None) -> Visibility:
    """What `caller` sees under a policy whose restricted incidents belong to `security_team`."""
    is_admin = caller.role is AccessRole.ADMIN
    in_security_team = security_team is not None and security_team in caller.teams
    return Visibility(
        user=caller.name,
        sees_open=caller.role in SEES_EVERY_OPEN_INCIDENT,
        sees_restricted=is_admin or in_security_team,
    )


def can_see(
    visibility: Visibility, *, is_restricted: bool, reporter: str, is_granted: bool
) -> bool:
    """Whether the incident exists for this caller.

    `is_granted`: the caller was added to the incident by name. The reporter always keeps
    sight of what they reported, restricted or not: they already know about it.
    """
    if is_granted or reporter == visibility.user:
        return True
    return visibility.sees_restricted if is_restricted else visibility.sees_open


def scope_covers(held: Scope, wanted: Scope) -> bool:
    """Whether a token of scope `held` may mint one of scope `wanted` (never a wider one)."""
    return SCOPE_PERMISSIONS[wanted] <= SCOPE_PERMISSIONS[held]
