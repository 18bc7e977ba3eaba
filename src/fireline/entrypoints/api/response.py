"""Routes for responding to an incident: status, acknowledgement, comments, timeline, roles."""

from __future__ import annotations

from fastapi import APIRouter

from fireline.entrypoints.api.deps import ContextDep, VisibilityDep
from fireline.entrypoints.api.incidents import incident_out_pinned
from fireline.entrypoints.api.problems import answers
from fireline.entrypoints.api.schemas import (
    ClockOut,
    ClocksOut,
    CommentIn,
    IncidentOut,
    RoleAssignmentOut,
    RoleIn,
    RolesOut,
    StatusChange,
    TimelineEventOut,
    TimelineOut,
)
from fireline.services import incidents
from fireline.services import response as responding
from fireline.services.ports import RecordedEvent, RoleAssignment

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.post("/{incident_id}/status", response_model=IncidentOut, responses=answers(409))
def change_status(
    incident_id: str, body: StatusChange, context: ContextDep, visibility: VisibilityDep
) -> IncidentOut:
    """Move along the lifecycle; an illegal move is 409 naming the allowed ones."""
    updated = responding.change_status(
        context.database,
        context.policies,
        incident_id,
        body.status,
        visibility=visibility,
        now=context.clock(),
        note=body.note,
    )
    return incident_out_pinned(context, updated)


@router.post("/{incident_id}/acknowledge", response_model=IncidentOut, responses=answers(409))
def acknowledge(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> IncidentOut:
    """Take the incident on; an open one moves to investigating.

    409 once it is resolved or already acknowledged.
    """
    updated = responding.acknowledge_incident(
        context.database,
        context.policies,
        incident_id,
        visibility=visibility,
        now=context.clock(),
    )
    return incident_out_pinned(context, updated)


@router.post("/{incident_id}/comments", status_code=201, response_model=TimelineEventOut)
def comment(
    incident_id: str, body: CommentIn, context: ContextDep, visibility: VisibilityDep
) -> TimelineEventOut:
    """Add a comment to the timeline; 201 with the entry as stored."""
    recorded = responding.comment_on_incident(
        context.database,
        context.policies,
        incident_id,
        body=body.body,
        visibility=visibility,
        now=context.clock(),
    )
    return event_out(recorded)


@router.get("/{incident_id}/timeline", response_model=TimelineOut)
def timeline(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> TimelineOut:
    """Everything that happened to the incident, oldest first. Entries are never edited."""
    events = incidents.get_timeline(context.database, incident_id, visibility)
    return TimelineOut(incident_id=incident_id, events=[event_out(e) for e in events])


@router.get("/{incident_id}/clocks", response_model=ClocksOut)
def clocks(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> ClocksOut:
    """The response and resolution clocks: target, time spent and left, due time, state."""
    now = context.clock()
    found = incidents.get_clocks(
        context.database, context.policies, incident_id, visibility, now=now
    )
    return ClocksOut(
        incident_id=incident_id,
        at=now,
        clocks=[
            ClockOut(
                name=clock.name,
                target_seconds=clock.target.seconds,
                calendar=clock.target.calendar,
                elapsed_seconds=int(clock.elapsed.total_seconds()),
                remaining_seconds=int(clock.remaining.total_seconds()),
                due_at=clock.due_at,
                state=clock.state.value,
                at_risk=clock.at_risk,
                stopped_at=clock.stopped_at,
            )
            for clock in found
        ],
    )


@router.get("/{incident_id}/roles", response_model=RolesOut)
def roles(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> RolesOut:
    """Who holds each role now, and every assignment since declaration."""
    holders, history = incidents.get_roles(context.database, incident_id, visibility)
    return roles_out(incident_id, holders, history)


@router.put("/{incident_id}/roles/{role}", response_model=RolesOut, responses=answers(409))
def assign_role(
    incident_id: str, role: str, body: RoleIn, context: ContextDep, visibility: VisibilityDep
) -> RolesOut:
    """Assign a role, or hand it over from its current holder (history keeps both)."""
    holders, history = responding.assign_role(
        context.database,
        context.policies,
        incident_id,
        role=role,
        person=body.person,
        visibility=visibility,
        now=context.clock(),
    )
    return roles_out(incident_id, holders, history)


@router.delete("/{incident_id}/roles/{role}", response_model=RolesOut, responses=answers(409))
def release_role(
    incident_id: str, role: str, context: ContextDep, visibility: VisibilityDep
) -> RolesOut:
    """Leave a role unheld (409 when nobody holds it); the history keeps the holder."""
    holders, history = responding.assign_role(
        context.database,
        context.policies,
        incident_id,
        role=role,
        person=None,
        visibility=visibility,
        now=context.clock(),
    )
    return roles_out(incident_id, holders, history)


def event_out(recorded: RecordedEvent) -> TimelineEventOut:
    """A stored timeline event as the API shows it."""
    event = recorded.event
    return TimelineEventOut(
        seq=recorded.seq,
        kind=event.kind,
        at=event.at,
        actor=event.actor,
        summary=event.summary,
        field=event.field,
        before=event.before,
        after=event.after,
        note=event.note,
    )


def roles_out(incident_id: str, holders: dict[str, str], history: list[RoleAssignment]) -> RolesOut:
    """Role holders and history as the API shows them."""
    return RolesOut(
        incident_id=incident_id,
        holders=holders,
        history=[
            RoleAssignmentOut(role=a.role, person=a.person, since=a.since, until=a.until)
            for a in history
        ],
    )
