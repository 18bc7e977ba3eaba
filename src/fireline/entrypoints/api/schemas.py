"""Request and response bodies of the API, with the limits documented in `docs/api.md`.

Requests forbid unknown fields, so a typo is an error rather than a silently ignored key.
Every limit the server enforces on a field's own value (lengths, ranges, enums) is written
on the field, so the OpenAPI document states it; what depends on the policy in force (its
incident types, severities, roles) is checked by the domain and named in the description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictInt,
    field_validator,
)

from fireline.domain.catalog import SERVICE_NAME
from fireline.domain.checks import (
    MAX_COMMENT,
    MAX_LABEL,
    MAX_LINK,
    MAX_LIST,
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
)
from fireline.domain.lifecycle import Status
from fireline.entrypoints.api.inputs import Instant, Omittable

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]
Link = Annotated[str, Field(min_length=1, max_length=MAX_LINK)]
ServiceName = Annotated[str, Field(min_length=1, max_length=63, pattern=SERVICE_NAME.pattern)]


class Strict(BaseModel):
    """A request body: unknown fields are errors, and no text may hold a NUL character.

    NUL is refused here because PostgreSQL cannot store it in text, and SQLite would, so
    letting it through would make the two backends disagree.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: object) -> object:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain NUL characters")
        return value


class IncidentIn(Strict):
    """A new incident. Severity may be left out: the policy's rules then decide it."""

    title: str = Field(min_length=1, max_length=MAX_TITLE, description="not blank")
    type: str = Field(
        min_length=1, max_length=MAX_NAME, description="one of the policy's incident types"
    )
    description: str = Field("", max_length=MAX_TEXT)
    severity: StrictInt | None = Field(
        None,
        ge=1,
        le=9,
        description="the reporter's choice: one of the policy's levels, 1 most severe",
    )
    impact: str | None = Field(None, max_length=MAX_NAME)
    urgency: str | None = Field(None, max_length=MAX_NAME)
    services: list[ServiceName] = Field(default_factory=list, max_length=MAX_LIST)
    reporter: Name | None = Field(None, description="defaults to the requesting user")
    owner: Name | None = None
    team: Name | None = None
    support_tier: StrictInt | None = Field(None, ge=1, le=4)
    steps_to_reproduce: str = Field("", max_length=MAX_TEXT)
    links: list[Link] = Field(default_factory=list, max_length=MAX_LIST)
    labels: list[Label] = Field(default_factory=list, max_length=MAX_LIST)
    detected_at: Instant | None = None
    reported_at: Instant | None = None
    restricted: StrictBool = Field(
        False, description="restrict from the start (the policy's restricted types always are)"
    )


class IncidentPatch(Strict):
    """Fields to change; a field left out stays as it is, `null` clears an optional one."""

    title: Omittable[str] = Field(None, min_length=1, max_length=MAX_TITLE)
    type: Omittable[str] = Field(None, min_length=1, max_length=MAX_NAME)
    description: Omittable[str] = Field(None, max_length=MAX_TEXT)
    severity: Omittable[StrictInt] = Field(None, ge=1, le=9)
    impact: str | None = Field(None, max_length=MAX_NAME)
    urgency: str | None = Field(None, max_length=MAX_NAME)
    services: Omittable[list[ServiceName]] = Field(None, max_length=MAX_LIST)
    owner: Name | None = None
    team: Name | None = None
    support_tier: StrictInt | None = Field(None, ge=1, le=4)
    steps_to_reproduce: Omittable[str] = Field(None, max_length=MAX_TEXT)
    links: Omittable[list[Link]] = Field(None, max_length=MAX_LIST)
    labels: Omittable[list[Label]] = Field(None, max_length=MAX_LIST)
    detected_at: Instant | None = None
    reason: str | None = Field(
        None, max_length=MAX_COMMENT, description="required to change severity"
    )


class StatusChange(Strict):
    status: Status
    note: str | None = Field(None, max_length=MAX_COMMENT)


class CommentIn(Strict):
    body: str = Field(max_length=MAX_COMMENT)


class RoleIn(Strict):
    person: Name


class TargetOut(BaseModel):
    seconds: int
    calendar: str


class IncidentOut(BaseModel):
    id: str
    title: str
    description: str
    type: str
    severity: int
    impact: str | None
    urgency: str | None
    priority: str | None
    services: list[str]
    criticality: str | None
    reporter: str
    owner: str | None
    team: str | None
    support_tier: int | None
    steps_to_reproduce: str
    links: list[str]
    labels: list[str]
    status: Status
    resume_status: Status | None
    policy_version: int
    response_target: TargetOut
    resolution_target: TargetOut
    declared_at: datetime
    reported_at: datetime
    detected_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    identified_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    restricted: bool


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


class TimelineEventOut(BaseModel):
    seq: int
    kind: str
    at: datetime
    actor: str
    summary: str
    field: str | None
    before: JsonValue
    after: JsonValue
    note: str | None


class TimelineOut(BaseModel):
    incident_id: str
    events: list[TimelineEventOut]


class RoleAssignmentOut(BaseModel):
    role: str
    person: str
    since: datetime
    until: datetime | None


class RolesOut(BaseModel):
    incident_id: str
    holders: dict[str, str]
    history: list[RoleAssignmentOut]


class ServiceIn(Strict):
    name: ServiceName
    criticality: str = Field(
        min_length=1, max_length=MAX_NAME, description="one of the policy's criticality tiers"
    )
    team: Name | None = None
    customer_facing: StrictBool = False
    description: str = Field("", max_length=2_000)


class ServicePatch(Strict):
    criticality: Omittable[str] = Field(None, min_length=1, max_length=MAX_NAME)
    team: Name | None = None
    customer_facing: Omittable[StrictBool] = None
    description: Omittable[str] = Field(None, max_length=2_000)


class ServiceOut(BaseModel):
    name: str
    criticality: str
    team: str | None
    customer_facing: bool
    description: str
    managed_by: str = Field(description="`policy` (edit the policy file) or `api`")


class ServiceList(BaseModel):
    items: list[ServiceOut]


class PolicyOut(BaseModel):
    version: int
    name: str
    digest: str
    document: dict[str, JsonValue]


class ClockOut(BaseModel):
    name: str = Field(description="`response` or `resolution`")
    target_seconds: int
    calendar: str
    elapsed_seconds: int = Field(description="working time spent, in the target's calendar")
    remaining_seconds: int
    due_at: datetime | None = Field(
        description="when the target is (or was) reached; null while paused before that"
    )
    state: str = Field(description="running, paused, met or breached")
    at_risk: bool = Field(description="running or paused with 75 % of the target spent")
    stopped_at: datetime | None


class ClocksOut(BaseModel):
    incident_id: str
    at: datetime
    clocks: list[ClockOut]
