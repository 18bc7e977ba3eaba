"""Fireline's own wording of every kind of message: handbook 002's communication templates
(initial notification, status update, resolution notice) and its page, notice and reminder.

A policy overrides any part of any of them under `notifications.templates`, a channel under
its own `templates` (docs/policy.md); a part left out there is taken from here.
"""

from __future__ import annotations

from fireline.domain.notifications import TemplateText

_FACTS = """\
Incident: {{ incident.id }} - {{ incident.title }}
Severity: {{ incident.severity_label }} (Sev-{{ incident.severity }})
Status: {{ incident.status_label }}
Affected Services: {{ incident.services | join(", ") or "none named" }}
Declared: {{ incident.declared_at }}
{{ incident.url }}
"""

INITIAL = TemplateText(
    subject="INCIDENT ALERT - {{ incident.service }} "
    "({{ incident.id }}, Sev-{{ incident.severity }})",
    text="""\
INCIDENT ALERT - {{ incident.service }}

{{ incident.id }}: {{ incident.title }}
Status: {{ incident.status_label }}
Severity: {{ incident.severity_label }}
Impact: {{ incident.description or incident.severity_description or incident.title }}
Affected Services: {{ incident.services | join(", ") or "none named" }}
Start Time: {{ incident.declared_at }}

We are aware of an issue affecting {{ incident.service }}. Our team is
investigating{% if update_every %} and will provide updates every {{ update_every }}{% endif %}.

Next Update: {{ next_update_at or "as soon as we know more" }}
{% if status_page %}Status Page: {{ status_page }}
{% endif %}Incident: {{ incident.url }}
""",
    short="Fireline: Sev-{{ incident.severity }} incident {{ incident.id }}: "
    "{{ incident.title }}. Please acknowledge.",
    markdown="""\
*INCIDENT ALERT - {{ incident.service }}* ({{ incident.id }})
*Severity:* {{ incident.severity_label }}  *Status:* {{ incident.status_label }}
*Impact:* {{ incident.description or incident.severity_description or incident.title }}
*Affected services:* {{ incident.services | join(", ") or "none named" }}
*Start time:* {{ incident.declared_at }}
{% if recipient %}For {{ recipient }}. {% endif %}Next update: \
{{ next_update_at or "as soon as we know more" }}. <{{ incident.url }}|Open the incident>
""",
)

PAGE = TemplateText(
    subject="[Sev-{{ incident.severity }}] {{ incident.id }}: {{ incident.title }} - "
    "{{ event.note if event else 'please acknowledge' }}",
    text="{{ event.note if event else 'Please acknowledge.' }}\n\n" + _FACTS,
    short="Fireline page: Sev-{{ incident.severity }} {{ incident.id }}: {{ incident.title }}. "
    "{{ event.note if event else '' }}. Please acknowledge.",
    markdown="*{{ event.note if event else 'Please acknowledge' }}*\n"
    "{% if recipient %}For {{ recipient }}: {% endif %}"
    "<{{ incident.url }}|{{ incident.id }}> {{ incident.title }} "
    "(Sev-{{ incident.severity }}, {{ incident.status_label }})\n",
)

NOTICE = TemplateText(
    subject="[Sev-{{ incident.severity }}] {{ incident.id }}: {{ incident.title }} - "
    "{{ event.note if event else 'for your information' }}",
    text="{{ event.note if event else '' }}\n\n" + _FACTS,
    short="Fireline: Sev-{{ incident.severity }} {{ incident.id }}: {{ incident.title }}. "
    "{{ event.note if event else '' }}",
    markdown="*{{ event.note if event else 'For your information' }}*\n"
    "<{{ incident.url }}|{{ incident.id }}> {{ incident.title }} "
    "(Sev-{{ incident.severity }}, {{ incident.status_label }})\n",
)

REMINDER = TemplateText(
    subject="Update due{% if audience %} for {{ audience.label }}{% endif %}: "
    "{{ incident.id }} {{ incident.title }}",
    text="""\
{{ event.note if event else "A stakeholder update is due." }}

{% if audience and audience.content %}They expect: {{ audience.content }}
{% endif %}Post it with `fireline incident post-update {{ incident.id }} --message …`
or POST {{ incident.url }}/updates

"""
    + _FACTS,
    short="Fireline: {{ event.note if event else 'an update is due' }} "
    "({{ incident.id }}). Post it in Fireline.",
    markdown="*{{ event.note if event else 'A stakeholder update is due' }}*\n"
    "<{{ incident.url }}|{{ incident.id }}> {{ incident.title }}"
    "{% if audience and audience.content %}. They expect: {{ audience.content }}{% endif %}\n",
)

UPDATE = TemplateText(
    subject="INCIDENT UPDATE - {{ incident.service }} ({{ incident.id }})",
    text="""\
INCIDENT UPDATE - {{ incident.service }}

Status: {{ incident.status_label }}
Update: {{ update.message if update else "" }}
Impact: {{ (update.impact if update else "") or incident.description or incident.title }}
Next Steps: {{ (update.next_steps if update else "") or "We continue to investigate." }}

Next Update: {{ next_update_at or "as soon as we know more" }}
""",
    short="Update on {{ incident.id }} ({{ incident.status_label }}): "
    "{{ update.message if update else '' }}",
    markdown="""\
*INCIDENT UPDATE - {{ incident.service }}* ({{ incident.id }})
*Status:* {{ incident.status_label }}
*Update:* {{ update.message if update else "" }}
*Impact:* {{ (update.impact if update else "") or incident.description or incident.title }}
*Next steps:* {{ (update.next_steps if update else "") or "We continue to investigate." }}
*Next update:* {{ next_update_at or "as soon as we know more" }}
""",
)

RESOLUTION = TemplateText(
    subject="INCIDENT RESOLVED - {{ incident.service }} ({{ incident.id }})",
    text="""\
INCIDENT RESOLVED - {{ incident.service }}

Status: Resolved
Resolution Time: {{ resolution.resolved_at if resolution else now }}
Duration: {{ resolution.duration if resolution else "" }}

Summary: {{ (resolution.summary if resolution else "") or incident.title }}
Root Cause: Under investigation
Prevention: Steps will follow from the post-incident review.

We apologize for the inconvenience. If you continue to
experience issues, please contact support.
""",
    short="Resolved: {{ incident.id }} {{ incident.title }} "
    "(after {{ resolution.duration if resolution else '' }}).",
    markdown="""\
*INCIDENT RESOLVED - {{ incident.service }}* ({{ incident.id }})
*Resolution time:* {{ resolution.resolved_at if resolution else now }} \
(after {{ resolution.duration if resolution else "" }})
*Summary:* {{ (resolution.summary if resolution else "") or incident.title }}
""",
)

DEFAULT_TEMPLATES: dict[str, TemplateText] = {
    "initial": INITIAL,
    "page": PAGE,
    "notice": NOTICE,
    "reminder": REMINDER,
    "update": UPDATE,
    "resolution": RESOLUTION,
}
