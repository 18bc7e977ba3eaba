"""What a message template may say: its variables, built from an incident and what happened.

Templates (handbook 002's initial notification, status update and resolution notice, and
Fireline's page, notice and reminder) see exactly the names in `VARIABLES`, every one always
present (None when it does not apply, so a template can ask ``{% if update %}``). Values
are plain strings, numbers, lists and mappings: nothing a template could call into.
`SAMPLE` fills every name, so `policy check` can render a template once and refuse one that
asks for anything else.

Pure: the caller passes the incident, its policy and the moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fireline.domain.incident import Incident
from fireline.domain.notifications import Audience
from fireline.domain.policy import Policy

VARIABLES = (
    "incident",
    "event",
    "recipient",
    "audience",
    "update",
    "resolution",
    "next_update_at",
    "update_every",
    "status_page",
    "now",
)
"""Every name a template may use (see docs/policy.md, "templates")."""


@dataclass(frozen=True)
class PostedUpdate:
    """A stakeholder update someone wrote: what we learned or did, the impact now, what next."""

    message: str
    impact: str = ""
    next_steps: str = ""
    author: str = ""


@dataclass(frozen=True)
class Happened:
    """What a message is about: a timer's `kind` and `note` ("Escalated to level 2: …")."""

    kind: str
    note: str
    level: int | None = None


def template_variables(
    *,
    incident: Incident,
    policy: Policy,
    now: datetime,
    incident_url: str,
    happened: Happened | None = None,
    recipient: str = "",
    audience: Audience | None = None,
    next_update_at: datetime | None = None,
    update_every: int | None = None,
    update: PostedUpdate | None = None,
    resolution_note: str | None = None,
) -> dict[str, object]:
    """The variables of one message about `incident` (see `VARIABLES`)."""
    zone = policy.time_zone

    def moment(at: datetime | None) -> str | None:
        return _moment(at, zone)

    try:
        severity = policy.severity(incident.severity)
        severity_name, severity_label = severity.name, severity.label
        severity_description = severity.description
    except KeyError:
        severity_name = severity_label = f"Sev-{incident.severity}"
        severity_description = ""
    resolved = incident.resolved_at
    return {
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "description": incident.description,
            "type": incident.type,
            "severity": incident.severity,
            "severity_name": severity_name,
            "severity_label": severity_label,
            "severity_description": severity_description,
            "priority": incident.priority,
            "impact": incident.impact,
            "urgency": incident.urgency,
            "status": incident.status.value,
            "status_label": incident.status.value.replace("_", " ").capitalize(),
            "services": list(incident.services),
            "service": incident.services[0] if incident.services else incident.title,
            "criticality": incident.criticality,
            "owner": incident.owner,
            "acknowledged_by": incident.acknowledged_by,
            "declared_at": moment(incident.declared_at),
            "url": incident_url,
        },
        "event": (
            {"kind": happened.kind, "note": happened.note, "level": happened.level}
            if happened
            else None
        ),
        "recipient": recipient,
        "audience": (
            {"name": audience.name, "label": audience.label, "content": audience.content}
            if audience
            else None
        ),
        "update": (
            {
                "message": update.message,
                "impact": update.impact,
                "next_steps": update.next_steps,
                "author": update.author,
            }
            if update
            else None
        ),
        "resolution": (
            {
                "resolved_at": moment(resolved),
                "duration": spelled_duration(resolved - incident.declared_at),
                "summary": resolution_note or "",
            }
            if resolved is not None
            else None
        ),
        "next_update_at": moment(next_update_at),
        "update_every": spelled_duration(timedelta(seconds=update_every)) if update_every else None,
        "status_page": policy.notifications.status_page_url,
        "now": moment(now),
    }


def spelled_duration(length: timedelta) -> str:
    """ "2 hours 30 minutes", "45 minutes", "3 days" — for people, not for the policy file."""
    seconds = max(0, int(length.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    days, rest = divmod(seconds // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "0 minutes"


def _moment(at: datetime | None, zone: str) -> str | None:
    if at is None:
        return None
    local = at.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or zone)


SAMPLE: dict[str, object] = {
    "incident": {
        "id": "INC-2026-1125-001",
        "title": "Checkout down in EU",
        "description": "Card payments fail with a timeout",
        "type": "infrastructure",
        "severity": 1,
        "severity_name": "critical",
        "severity_label": "Critical",
        "severity_description": "Complete system outage or critical functionality unavailable",
        "priority": "P1",
        "impact": "high",
        "urgency": "high",
        "status": "investigating",
        "status_label": "Investigating",
        "services": ["checkout", "payments"],
        "service": "checkout",
        "criticality": "mission_critical",
        "owner": "ana",
        "acknowledged_by": "ana",
        "declared_at": "2026-11-25 10:00 UTC",
        "url": "http://127.0.0.1:8000/api/v1/incidents/INC-2026-1125-001",
    },
    "event": {
        "kind": "escalation",
        "note": "Escalated to level 2: Page the IT manager",
        "level": 2,
    },
    "recipient": "ana",
    "audience": {"name": "executives", "label": "Executive Team", "content": "Status and ETA"},
    "update": {
        "message": "Rolled back the 10:02 deploy",
        "impact": "EU card payments",
        "next_steps": "Watch error rates",
        "author": "sam",
    },
    "resolution": {
        "resolved_at": "2026-11-25 11:30 UTC",
        "duration": "1 hour 30 minutes",
        "summary": "A bad deploy; rolled back",
    },
    "next_update_at": "2026-11-25 10:30 UTC",
    "update_every": "30 minutes",
    "status_page": "https://status.example.com",
    "now": "2026-11-25 10:00 UTC",
}
"""Every variable filled, for checking templates before they are used."""
