"""Request and response bodies for people, teams, tokens, the audit log and restriction."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, JsonValue, StrictBool, StrictInt

from fireline.domain.access import AccessRole, Scope
from fireline.domain.people import (
    EMAIL,
    HANDLE,
    MAX_CHAT,
    MAX_EMAIL,
    MAX_FULL_NAME,
    MAX_PASSWORD,
    PHONE,
)
from fireline.entrypoints.api.inputs import Instant, Omittable
from fireline.entrypoints.api.schemas import Strict

Handle = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=HANDLE.pattern,
        description="lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
    ),
]
Email = Annotated[str, Field(max_length=MAX_EMAIL, pattern=EMAIL.pattern)]
Phone = Annotated[
    str, Field(max_length=20, pattern=PHONE.pattern, description="E.164, such as +4915112345678")
]


class UserIn(Strict):
    name: Handle
    email: Email
    role: AccessRole
    full_name: str = Field("", max_length=MAX_FULL_NAME)
    phone: Phone | None = None
    chat_handle: str | None = Field(None, max_length=MAX_CHAT)
    time_zone: str = Field("UTC", max_length=64)
    password: str | None = Field(
        None, max_length=MAX_PASSWORD, description="12+ characters; none: tokens only"
    )


class UserPatch(Strict):
    """`phone` and `chat_handle` may be cleared with null; the others may not."""

    email: Omittable[Email] = None
    role: Omittable[AccessRole] = None
    full_name: Omittable[str] = Field(None, max_length=MAX_FULL_NAME)
    phone: Phone | None = None
    chat_handle: str | None = Field(None, max_length=MAX_CHAT)
    time_zone: Omittable[str] = Field(None, min_length=1, max_length=64)
    active: Omittable[StrictBool] = None


class PasswordIn(Strict):
    password: str = Field(max_length=MAX_PASSWORD)


class OwnPasswordIn(Strict):
    current_password: str = Field(max_length=MAX_PASSWORD)
    new_password: str = Field(max_length=MAX_PASSWORD)


class UserOut(BaseModel):
    name: str
    email: str
    role: AccessRole
    full_name: str
    phone: str | None
    chat_handle: str | None
    time_zone: str
    active: bool
    teams: list[str] | None = None
    created_at: datetime | None


class UserList(BaseModel):
    items: list[UserOut]


class MeOut(BaseModel):
    name: str
    role: AccessRole
    scope: Scope
    teams: list[str]
    permissions: list[str]
    csrf_token: str | None = Field(
        None, description="for a web session: send it as X-CSRF-Token on every change"
    )


class TeamIn(Strict):
    name: Handle
    description: str = Field("", max_length=2_000)


class TeamOut(BaseModel):
    name: str
    description: str
    members: list[str]


class TeamList(BaseModel):
    items: list[TeamOut]


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=100, description="what the token is for")
    scope: Scope
    user: Handle | None = Field(None, description="whose token (default: yours)")
    expires_at: Instant | None = None


class TokenOut(BaseModel):
    id: int
    user: str
    name: str
    prefix: str = Field(description="the token's first characters, to recognise it")
    scope: Scope
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="the token itself: shown this once, never again")


class TokenList(BaseModel):
    items: list[TokenOut]


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str | None
    client: str | None
    detail: dict[str, JsonValue]
    count: int = Field(
        description="how many times this happened: refusals of one caller, route and "
        "address are counted into one entry per 10 minutes"
    )
    last_at: datetime = Field(description="when the last of them happened (`at` when once)")


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_before: StrictInt | None = Field(None, description="pass as `before` for older entries")


class RestrictionIn(Strict):
    restricted: StrictBool
    note: str | None = Field(None, max_length=2_000)


class AccessGrantOut(BaseModel):
    user: str
    added_by: str
    added_at: datetime


class AccessOut(BaseModel):
    incident_id: str
    restricted: bool
    people: list[AccessGrantOut]
