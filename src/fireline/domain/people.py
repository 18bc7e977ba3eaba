"""People and teams: who can be asked to act, and how to reach them.

Contact details are kept here because paging and notifications (later) read them; a
deactivated person keeps their history but can no longer sign in or use a token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fireline.domain.access import AccessRole
from fireline.domain.errors import InvalidInput, UnknownName

HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_EMAIL = 254
MAX_FULL_NAME = 200
MAX_CHAT = 100
MIN_PASSWORD = 12
MAX_PASSWORD = 1_000


@dataclass(frozen=True)
class User:
    """A person who may sign in. `name` is their handle everywhere (incidents, roles)."""

    name: str
    email: str
    role: AccessRole
    full_name: str = ""
    phone: str | None = None
    chat_handle: str | None = None
    time_zone: str = "UTC"
    is_active: bool = True
    created_at: datetime | None = None


@dataclass(frozen=True)
class Team:
    name: str
    description: str = ""


def is_handle(value: str) -> bool:
    """Whether `value` could be a user or team name (see `check_handle`)."""
    return HANDLE.fullmatch(value) is not None


def check_handle(field: str, value: str) -> str:
    """User and team names: lower-case letters, digits, '.', '_' or '-', up to 64."""
    if not HANDLE.fullmatch(value):
        raise InvalidInput(
            field,
            f"{value[:80]!r} is not a valid name (allowed: 1 to 64 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit)",
        )
    return value


def check_user(user: User) -> User:
    """Raise InvalidInput for the first field of `user` that breaks a rule."""
    check_handle("name", user.name)
    if len(user.email) > MAX_EMAIL or not EMAIL.fullmatch(user.email):
        raise InvalidInput("email", f"{user.email[:80]!r} is not an email address")
    if user.role not in AccessRole:
        raise UnknownName("role", user.role, [r.value for r in AccessRole])
    if len(user.full_name) > MAX_FULL_NAME or not user.full_name.isprintable():
        raise InvalidInput("full_name", f"at most {MAX_FULL_NAME} printable characters")
    if user.phone is not None and not PHONE.fullmatch(user.phone):
        raise InvalidInput("phone", "use E.164 form: + and 7 to 15 digits, such as +4915112345678")
    if user.chat_handle is not None and (
        not user.chat_handle.strip()
        or len(user.chat_handle) > MAX_CHAT
        or not user.chat_handle.isprintable()
    ):
        raise InvalidInput("chat_handle", f"1 to {MAX_CHAT} printable characters")
    try:
        ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "time_zone", f"unknown time zone {user.time_zone[:80]!r} (use an IANA name)"
        ) from None
    return user


def check_password(password: str, field: str = "password") -> str:
    """A new password: long enough to resist guessing, short enough to hash cheaply."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(field, f"at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(field, f"at most {MAX_PASSWORD} characters")
    return password


def check_team(team: Team) -> Team:
    check_handle("name", team.name)
    if len(team.description) > 2_000:
        raise InvalidInput("description", "at most 2000 characters")
    return team
