"""Routes for an incident's timers: what has fired and what is planned, with due times."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fireline.entrypoints.api.deps import ContextDep, VisibilityDep
from fireline.services import incidents

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
