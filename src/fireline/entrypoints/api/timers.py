"""Routes for an incident's timers (what has fired, what is planned) and manual escalation."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fireline.domain.escalation import MAX_NOTE, EscalationRequest
from fireline.entrypoints.api.deps import ContextDep, VisibilityDep
from fireline.entrypoints.api.incidents import incident_out_pinned
from fireline.entrypoints.api.problems import answers
from fireline.entrypoints.api.schemas import IncidentOut, Strict
from fireline.services import escalation, incidents

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


class TimerOut(BaseModel):
    key: str = Field(description="names the timer within its incident, e.g. `escalation:2`")
    kind: str = Field(description="sla_warning, sla_breach, escalation, notify or review_due")
    due_at: datetime
    fired_at: datetime | None = Field(description="null while it is still planned")
    clock: str | None = Field(description="`response` or `resolution`, for SLA kinds")
    level: int | None = Field(description="the escalation level, for `escalation`")
    targets: list[str]
    note: str


class TimersOut(BaseModel):
    incident_id: str
    timers: list[TimerOut]


@router.get("/{incident_id}/timers", response_model=TimersOut)
def list_timers(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> TimersOut:
    """Every timer of the incident in due order: fired ones with their firing time, and the
    ones still planned (re-planned whenever the incident changes)."""
    found = incidents.list_timers(context.database, incident_id, visibility)
    return TimersOut(
        incident_id=incident_id,
        timers=[
            TimerOut(
                key=t.timer.key,
                kind=t.timer.kind.value,
                due_at=t.timer.due_at,
                fired_at=t.fired_at,
                clock=t.timer.clock,
                level=t.timer.level,
                targets=list(t.timer.targets),
                note=t.timer.note,
            )
            for t in found
        ],
    )


class EscalationIn(Strict):
    note: str = Field(max_length=MAX_NOTE, description="the context the next level needs")
    level: int | None = Field(None, ge=1, le=9, description="default: the next level")
    support_tier: int | None = Field(None, ge=1, le=4)
    owner: str | None = Field(None, max_length=64, description="hand the incident over")


class EscalationOut(BaseModel):
    level: int | None = Field(description="the level now reached; null if none was asked")
    incident: IncidentOut


@router.post("/{incident_id}/escalate", response_model=EscalationOut, responses=answers(409))
def escalate(
    incident_id: str, body: EscalationIn, context: ContextDep, visibility: VisibilityDep
) -> EscalationOut:
    """Escalate by hand: to the next level (or `level`), to a `support_tier`, and/or to a new
    `owner`, with a `note` giving the context. 409 for a resolved incident or one already at
    the highest level; 422 for a level or tier the policy does not have, or an unknown owner.
    """
    updated, level = escalation.escalate_incident(
        context.database,
        context.policies,
        incident_id,
        EscalationRequest(
            note=body.note, level=body.level, support_tier=body.support_tier, owner=body.owner
        ),
        visibility=visibility,
        now=context.clock(),
    )
    return EscalationOut(level=level, incident=incident_out_pinned(context, updated))
