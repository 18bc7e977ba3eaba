"""Routes under `/api/v1/incidents`."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Request, Response

from fireline.domain.access import Permission, visibility_of
from fireline.domain.incident import Draft, Incident
from fireline.domain.policy import Policy
from fireline.entrypoints.api.auth import forbid
from fireline.entrypoints.api.batching import Batcher
from fireline.entrypoints.api.cursors import BadCursor, decode_cursor, encode_cursor
from fireline.entrypoints.api.deps import CallerDep, ContextDep, VisibilityDep
from fireline.entrypoints.api.filters import build_query, check_parameters
from fireline.entrypoints.api.problems import ProblemError, answers
from fireline.entrypoints.api.schemas import (
    IncidentIn,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    TargetOut,
)
from fireline.services import incidents
from fireline.services.incidents import IdempotencyRequest
from fireline.services.ports import IncidentQuery, Position

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

MAX_PAGE = 200
_LOCATION = {
    "description": "the new incident's URL",
    "required": True,
    "schema": {"type": "string"},
}
_REPLAYED = {
    "description": "`true` when this answers a retry with the same Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]},
}


def incident_out(incident: Incident, policy: Policy) -> IncidentOut:
    """The incident as the API shows it, with the targets of its severity under `policy`."""
    severity = policy.severity(incident.severity)
    return IncidentOut(
        **{name: getattr(incident, name) for name in _PLAIN_FIELDS},
        services=list(incident.services),
        restricted=incident.is_restricted,
        links=list(incident.links),
        labels=list(incident.labels),
        response_target=TargetOut(
            seconds=severity.response.seconds, calendar=severity.response.calendar
        ),
        resolution_target=TargetOut(
            seconds=severity.resolution.seconds, calendar=severity.resolution.calendar
        ),
    )


_PLAIN_FIELDS = [
    name
    for name in IncidentOut.model_fields
    if name
    not in ("services", "links", "labels", "response_target", "resolution_target", "restricted")
]


def incident_out_pinned(context: ContextDep, incident: Incident) -> IncidentOut:
    """The incident as the API shows it, with targets from the policy version it pinned."""
    return incident_out(incident, context.policies.get(incident.policy_version))


@router.post(
    "",
    status_code=201,
    response_model=IncidentOut,
    responses={
        201: {"headers": {"Location": _LOCATION, "Idempotent-Replayed": _REPLAYED}},
        **answers(404, 409),  # 404: the incident an Idempotency-Key made is gone
    },
)
async def declare(
    body: IncidentIn,
    request: Request,
    context: ContextDep,
    caller: CallerDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> IncidentOut:
    """Declare an incident. The same `Idempotency-Key` and body within 24 h return the first.

    Only those who may edit incidents (responders and up) may name another `reporter`.
    """
    actor = caller.name
    if body.reporter not in (None, actor) and not caller.may(Permission.INCIDENT_RESPOND):
        # forbid() writes to the audit log: off the event loop, like every database call here.
        raise await to_thread.run_sync(
            forbid, request, caller, Permission.INCIDENT_RESPOND, "declaring for someone else"
        )
    draft = Draft(
        title=body.title,
        type=body.type,
        reporter=body.reporter or actor,
        description=body.description,
        severity=body.severity,
        impact=body.impact,
        urgency=body.urgency,
        services=tuple(body.services),
        owner=body.owner,
        team=body.team,
        support_tier=body.support_tier,
        steps_to_reproduce=body.steps_to_reproduce,
        links=tuple(body.links),
        labels=tuple(body.labels),
        detected_at=body.detected_at,
        reported_at=body.reported_at,
        is_restricted=body.restricted,
        declared_by=actor,
    )
    if idempotency_key is None:
        declarations: Batcher[tuple[Draft, datetime], Incident] = request.app.state.declarations
        incident = await declarations.submit((draft, context.clock()))
    else:
        # The caller is part of the request: another person's retry with the same key and
        # body must not be handed this person's incident.
        digest = hashlib.sha256(f"{actor}\n{body.model_dump_json()}".encode()).hexdigest()
        declared = await to_thread.run_sync(
            lambda: incidents.declare_incident(
                context.database,
                context.policies,
                draft,
                now=context.clock(),
                idempotency=IdempotencyRequest(idempotency_key, digest),
                visibility=visibility_of(
                    caller, security_team=context.policies.current.access.security_team
                ),
            )
        )
        if declared.is_replay:
            response.headers["Idempotent-Replayed"] = "true"
        incident = declared.incident
    response.headers["Location"] = f"{router.prefix}/{incident.id}"
    return incident_out_pinned(context, incident)


@router.get("", response_model=IncidentPage)
def list_incidents(
    request: Request,
    context: ContextDep,
    visibility: VisibilityDep,
    status: Annotated[
        list[str],
        Query(description="repeat or comma-separate; `in_progress` = the three working statuses"),
    ] = [],  # noqa: B006
    severity: Annotated[list[int], Query()] = [],  # noqa: B006
    priority: Annotated[list[str], Query()] = [],  # noqa: B006
    type: Annotated[list[str], Query()] = [],  # noqa: B006
    service: Annotated[list[str], Query()] = [],  # noqa: B006
    team: Annotated[list[str], Query()] = [],  # noqa: B006
    reporter: Annotated[str | None, Query(description="a name, or `me`")] = None,
    declared_from: Annotated[
        str | None,
        Query(alias="from", description="declared at or after: a date, or a time with offset"),
    ] = None,
    declared_until: Annotated[
        str | None, Query(alias="until", description="declared before: as `from`")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="words that each start a word of the title or description; blank: "
            "no filter; only punctuation or symbols (`!!`): matches nothing",
        ),
    ] = None,
    order: Annotated[Literal["newest", "oldest"], Query()] = "newest",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> IncidentPage:
    """Incidents, newest first by default, a page at a time (follow `next_cursor`)."""
    check_parameters(request.query_params)
    query = build_query(
        context.policies.current,
        actor=visibility.user,
        status=status,
        severity=severity,
        priority=priority,
        type_=type,
        service=service,
        team=team,
        reporter=reporter,
        declared_from=declared_from,
        declared_until=declared_until,
        q=q,
        oldest_first=order == "oldest",
        limit=limit + 1,
        visible_to=visibility,
    )
    secret = context.secret
    filters = _filters_digest(query)
    if cursor is not None:
        try:
            position = decode_cursor(cursor, filters, secret)
        except BadCursor as error:
            raise ProblemError(400, "bad-cursor", str(error)) from None
        query = IncidentQuery(**{**query.__dict__, "after": position})
    found = incidents.list_incidents(context.database, query)
    page, more = found[:limit], len(found) > limit
    next_cursor = None
    if more:
        last = page[-1]
        next_cursor = encode_cursor(Position(last.declared_at, last.id), filters, secret)
    return IncidentPage(
        items=[incident_out_pinned(context, item) for item in page], next_cursor=next_cursor
    )


@router.get("/{incident_id}", response_model=IncidentOut)
def show(incident_id: str, context: ContextDep, visibility: VisibilityDep) -> IncidentOut:
    """One incident; 404 when there is none with that ID (or you may not see it)."""
    found = incidents.get_incident(context.database, incident_id, visibility)
    return incident_out_pinned(context, found)


@router.patch("/{incident_id}", response_model=IncidentOut, responses=answers(409))
def update(
    incident_id: str, body: IncidentPatch, context: ContextDep, visibility: VisibilityDep
) -> IncidentOut:
    """Change fields. A severity change needs `reason`; every change lands on the timeline."""
    changes: dict[str, Any] = {
        name: getattr(body, name) for name in body.model_fields_set if name != "reason"
    }
    for name in ("services", "links", "labels"):
        if name in changes:
            changes[name] = tuple(changes[name])
    updated = incidents.update_incident(
        context.database,
        context.policies,
        incident_id,
        changes,
        reason=body.reason,
        visibility=visibility,
        now=context.clock(),
    )
    return incident_out_pinned(context, updated)


def _filters_digest(query: IncidentQuery) -> str:
    filters = {**query.__dict__, "after": None, "limit": None}
    text = json.dumps(filters, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
