"""Routes for restricting an incident and naming who else may see it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fireline.entrypoints.api.access_schemas import AccessGrantOut, AccessOut, RestrictionIn
from fireline.entrypoints.api.deps import ContextDep, VisibilityDep, client_address
from fireline.entrypoints.api.incidents import incident_out_pinned
from fireline.entrypoints.api.problems import answers
from fireline.entrypoints.api.schemas import IncidentOut
from fireline.services import incidents, restriction
from fireline.services.access_ports import AccessGrant

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.put("/{incident_id}/restriction", response_model=IncidentOut, responses=answers(409))
def restrict(
    incident_id: str,
    body: RestrictionIn,
    request: Request,
    context: ContextDep,
    visibility: VisibilityDep,
) -> IncidentOut:
    """Restrict the incident to the security team, admins, its reporter and the people added
    by name, or open it up again. On the timeline and in the audit log."""
    updated = restriction.restrict_incident(
        context.database,
        incident_id,
        body.restricted,
        note=body.note,
        visibility=visibility,
        now=context.clock(),
        client=client_address(request),
    )
    return incident_out_pinned(context, updated)


@router.get("/{incident_id}/access", response_model=AccessOut)
def show_access(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> AccessOut:
    """Whether the incident is restricted, and who was added to it by name."""
    incident = incidents.get_incident(context.database, incident_id, visibility)
    grants = restriction.list_access(context.database, incident_id, visibility)
    return _access_out(incident_id, incident.is_restricted, grants)


@router.put("/{incident_id}/access/{user}", response_model=AccessOut, responses=answers(409))
def grant(
    incident_id: str, user: str, request: Request, context: ContextDep, visibility: VisibilityDep
) -> AccessOut:
    """Let a person see the incident whatever its restriction."""
    return _set(incident_id, user, True, request, context, visibility)


@router.delete("/{incident_id}/access/{user}", response_model=AccessOut, responses=answers(409))
def revoke(
    incident_id: str, user: str, request: Request, context: ContextDep, visibility: VisibilityDep
) -> AccessOut:
    """Take back a person's access by name (409 when they were not added)."""
    return _set(incident_id, user, False, request, context, visibility)


def _set(
    incident_id: str,
    user: str,
    granted: bool,
    request: Request,
    context: ContextDep,
    visibility: VisibilityDep,
) -> AccessOut:
    incident, grants = restriction.set_access(
        context.database,
        incident_id,
        user,
        granted=granted,
        visibility=visibility,
        now=context.clock(),
        client=client_address(request),
    )
    return _access_out(incident_id, incident.is_restricted, grants)


def _access_out(incident_id: str, restricted: bool, grants: list[AccessGrant]) -> AccessOut:
    return AccessOut(
        incident_id=incident_id,
        restricted=restricted,
        people=[
            AccessGrantOut(user=g.user_name, added_by=g.added_by, added_at=g.added_at)
            for g in grants
        ],
    )
