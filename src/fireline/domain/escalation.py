"""Manual escalation (handbooks 002 and 003): to the next level or a named support tier, with
context, optionally handing the incident to a new owner.

The escalation level an incident has reached is the highest of the levels its timers fired
and the levels people escalated it to; escalating by hand to a level stops the timers from
escalating to it (or below) again.

Pure: the caller passes the incident, the level reached so far and `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fireline.domain import editing
from fireline.domain.errors import Conflict, InvalidInput
from fireline.domain.firing import describe_on_call, on_call_of
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status
from fireline.domain.oncall import Schedule
from fireline.domain.policy import Policy
from fireline.domain.timeline import JsonValue, TimelineEvent

MANUAL_KIND = "escalated"
"""The timeline kind of an escalation by a person (a timer's is ``escalation``)."""
MAX_NOTE = 2000


@dataclass(frozen=True)
class EscalationRequest:
    """Escalate to `level` (None: the next one, unless only `support_tier` is asked for),
    to `support_tier`, and/or hand the incident to `owner`; `note` gives the context."""

    note: str
    level: int | None = None
    support_tier: int | None = None
    owner: str | None = None


def escalate_incident(
    incident: Incident,
    request: EscalationRequest,
    *,
    reached: int,
    policy: Policy,
    service_tiers: Mapping[str, str],
    schedules: Mapping[str, Schedule],
    actor: str,
    now: datetime,
) -> tuple[Incident, list[TimelineEvent], int | None]:
    """The escalated incident, its timeline events and the level it is now at (None when
    only the support tier or owner changed). `service_tiers` maps the incident's services to
    their criticality tiers, as for any edit; `schedules` say who the level's `schedule:`
    targets reach now.

    InvalidInput for an empty note or a level or tier the policy does not have; Conflict for
    a resolved or closed incident, or one already at the highest level.
    """
    note = request.note.strip()
    if not note or len(note) > MAX_NOTE:
        raise InvalidInput(
            "note", f"give the context for the next level (1 to {MAX_NOTE} characters)"
        )
    if incident.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(f"a {incident.status.value} incident cannot be escalated; reopen it first")
    level = _level(request, reached, policy)
    changes: dict[str, object] = {}
    if request.support_tier is not None:
        current = incident.support_tier or 0
        if request.support_tier <= current:
            raise InvalidInput(
                "support_tier",
                f"the incident is already at tier {current}; escalation goes up (allowed: a "
                f"higher tier; change support_tier to move it down)",
            )
        changes["support_tier"] = request.support_tier
    if request.owner is not None and request.owner != incident.owner:
        changes["owner"] = request.owner
    updated, events = editing.update_incident(
        incident,
        changes,
        reason=note,
        policy=policy,
        service_tiers=service_tiers,
        actor=actor,
        now=now,
    )
    action = policy.escalation.level(level) if level is not None else None
    parts = []
    if level is not None:
        parts.append(f"level {level}" + (f" ({action.action})" if action else ""))
    if request.support_tier is not None:
        parts.append(_tier_name(policy, request.support_tier))
    if "owner" in changes:
        parts.append(f"owner {request.owner}")
    targets: list[JsonValue] = list(action.targets) if action else []
    on_call = on_call_of(action.targets if action else (), schedules, now)
    escalated = TimelineEvent(
        kind=MANUAL_KIND,
        at=now,
        actor=actor,
        summary=f"Escalated to {', '.join(parts)}{describe_on_call(on_call)}",
        after={
            "on_call": dict(on_call),
            "level": level,
            "support_tier": request.support_tier,
            "owner": updated.owner,
            "handed_over_to": request.owner if "owner" in changes else None,
            "targets": targets,
        },
        note=note,
    )
    return updated, [escalated, *events], level


def _level(request: EscalationRequest, reached: int, policy: Policy) -> int | None:
    levels = sorted(level.level for level in policy.escalation.levels)
    if request.level is None and (request.support_tier is not None or request.owner is not None):
        return None  # a move to a tier or a hand-over, not a step up
    if not levels:
        raise InvalidInput(
            "level",
            "the policy defines no escalation levels (allowed: escalate to a support_tier, "
            "or hand over to an owner)",
        )
    highest = levels[-1]
    if request.level is None:
        if reached >= highest:
            raise Conflict(f"the incident is already at the highest level, {highest}")
        return reached + 1
    if not reached < request.level <= highest:
        raise InvalidInput(
            "level",
            f"cannot escalate to level {request.level} from level {reached} "
            f"(allowed: {reached + 1} to {highest})"
            if reached < highest
            else f"the incident is already at the highest level, {highest}",
        )
    return request.level


def _tier_name(policy: Policy, level: int) -> str:
    tier = next((t for t in policy.support_tiers if t.level == level), None)
    return f"support tier {level}" + (f" ({tier.name})" if tier else "")
