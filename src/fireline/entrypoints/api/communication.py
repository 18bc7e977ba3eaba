"""Routes for what an incident tells people: stakeholder updates and the delivery log."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, Field

from fireline.domain.access import Permission
from fireline.domain.communication import MAX_UPDATE
from fireline.domain.templating import PostedUpdate
from fireline.entrypoints.api.deps import CallerDep, ContextDep, VisibilityDep
from fireline.entrypoints.api.problems import answers
from fireline.entrypoints.api.schemas import Strict
from fireline.services import updates
from fireline.services.incidents import IdempotencyRequest

router = APIRouter(prefix="/api/v1/incidents", tags=["communication"])
_REPLAYED = {
    "description": "`true` when this answers a retry with the same Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]},
}


class UpdateIn(Strict):
    message: str = Field(max_length=MAX_UPDATE, description="what we have learned or done")
    impact: str = Field("", max_length=MAX_UPDATE, description="the impact now")
    next_steps: str = Field("", max_length=MAX_UPDATE, description="what we do next")
    audiences: list[str] | None = Field(
        None, max_length=20, description="default: the audiences due an update now"
    )


class UpdateOut(BaseModel):
    audiences: list[str]
    deliveries: int = Field(description="messages queued in the outbox")
    unreached: list[str] = Field(description="targets that reached nobody, and why")
    next_due: dict[str, datetime | None] = Field(description="audience → its next update")


class AudienceOut(BaseModel):
    name: str
    label: str
    every_seconds: int | None
    content: str
    last_update_at: datetime | None
    last_reminder_at: datetime | None
    next_due_at: datetime | None
    is_due: bool = Field(description="reminded, and no update since")


class CadenceOut(BaseModel):
    incident_id: str
    audiences: list[AudienceOut]


@router.post(
    "/{incident_id}/updates",
    status_code=201,
    response_model=UpdateOut,
    responses={
        201: {"headers": {"Idempotent-Replayed": _REPLAYED}},
        **answers(409),
    },
)
def post_update(
    incident_id: str,
    body: UpdateIn,
    context: ContextDep,
    visibility: VisibilityDep,
    caller: CallerDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> UpdateOut:
    """Post a stakeholder update (handbook 002's status update template) to `audiences`, or
    to those due one now. Each audience's next reminder moves to `every` from now. 409 when
    the incident is resolved or no audience is due (name them to update early); 422 for an
    unknown audience. A retry with the same `Idempotency-Key` and body returns the first
    post (header `Idempotent-Replayed: true`) and sends nothing again."""
    idempotency = None
    if idempotency_key is not None:
        digest = hashlib.sha256(f"{caller.name}\n{body.model_dump_json()}".encode()).hexdigest()
        idempotency = IdempotencyRequest(idempotency_key, digest)
    posted = updates.post_update(
        context.database,
        context.policies,
        context.wording,
        incident_id,
        PostedUpdate(body.message, body.impact, body.next_steps, author=caller.name),
        body.audiences,
        visibility=visibility,
        now=context.clock(),
        idempotency=idempotency,
    )
    if posted.is_replay:
        response.headers["Idempotent-Replayed"] = "true"
    return UpdateOut(
        audiences=list(posted.audiences),
        deliveries=posted.deliveries,
        unreached=list(posted.unreached),
        next_due=posted.next_due,
    )


@router.get("/{incident_id}/updates", response_model=CadenceOut)
def update_cadence(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> CadenceOut:
    """Each audience that expects updates on this incident: when it last got one, when it
    was last reminded, when it is next due, and whether it is due now."""
    found = updates.update_cadence(
        context.database, context.policies, incident_id, visibility=visibility
    )
    return CadenceOut(
        incident_id=incident_id,
        audiences=[
            AudienceOut(
                name=c.audience.name,
                label=c.audience.label,
                every_seconds=c.audience.updates.every.seconds if c.audience.updates else None,
                content=c.audience.content,
                last_update_at=c.last_update_at,
                last_reminder_at=c.last_reminder_at,
                next_due_at=c.next_due_at,
                is_due=c.is_due,
            )
            for c in found
        ],
    )


class AttemptOut(BaseModel):
    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None = Field(
        description="delivered, transient, permanent, cancelled, interrupted (the worker "
        "died mid-send), or null while under way"
    )
    detail: str | None


class DeliveryOut(BaseModel):
    id: int
    key: str = Field(description="the idempotency key, the same on every attempt")
    recipient: str = Field(description="the target as written, e.g. schedule:ops")
    label: str
    method: str = Field(description="email, sms, voice, chat, or room (a channel's own room)")
    channel: str
    address: str | None = Field(description="hidden unless you may read people's details")
    audience: str | None
    template: str
    is_page: bool
    status: str = Field(description="pending, sending, delivered, failed or cancelled")
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    attempts: int
    receipt: str | None
    last_error: str | None
    fallback_of: int | None
    attempt_log: list[AttemptOut]


class DeliveriesOut(BaseModel):
    incident_id: str
    deliveries: list[DeliveryOut]


@router.get("/{incident_id}/deliveries", response_model=DeliveriesOut)
def list_deliveries(
    incident_id: str, context: ContextDep, visibility: VisibilityDep, caller: CallerDep
) -> DeliveriesOut:
    """The delivery log: every message the incident sent or is sending, to whom, how, and
    every attempt with its outcome."""
    found = updates.list_deliveries(context.database, incident_id, visibility=visibility)
    shows_addresses = caller.may(Permission.PEOPLE_READ)
    return DeliveriesOut(
        incident_id=incident_id,
        deliveries=[
            DeliveryOut(
                id=d.id,
                key=d.key,
                recipient=d.recipient,
                label=d.label,
                method=d.method,
                channel=d.channel,
                address=d.address if shows_addresses else None,
                audience=d.audience,
                template=d.template,
                is_page=d.is_page,
                status=d.status.value,
                created_at=d.created_at,
                next_attempt_at=d.due_at if d.status.value in ("pending", "sending") else None,
                delivered_at=d.delivered_at,
                attempts=d.attempts,
                receipt=d.receipt,
                last_error=d.last_error,
                fallback_of=d.fallback_of,
                attempt_log=[AttemptOut(**a.__dict__) for a in attempts],
            )
            for d, attempts in found
        ],
    )
