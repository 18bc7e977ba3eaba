"""From a validated file to the `notifications` part of a `Policy`, and its channels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fireline.adapters.policy_file.schema import PolicySpec
from fireline.adapters.policy_file.targets import resolve_target
from fireline.adapters.policy_file.template_schema import TemplateSpec
from fireline.domain.messages import ChannelConfig
from fireline.domain.notifications import (
    Audience,
    NotificationRules,
    Reminders,
    TemplateText,
    UpdateCadence,
)


def build_notifications(spec: PolicySpec) -> NotificationRules:
    n = spec.notifications
    return NotificationRules(
        methods={level: tuple(methods) for level, methods in n.methods.items()},
        via={str(method): name for method, name in n.via.items()},
        on_declare=tuple(n.on_declare),
        on_resolve=tuple(n.on_resolve),
        audiences=tuple(
            Audience(
                name=a.name,
                label=a.label,
                notify=tuple(a.notify),
                methods=tuple(a.methods),
                updates=(
                    UpdateCadence(
                        resolve_target(spec, a.updates.every).target, tuple(a.updates.severities)
                    )
                    if a.updates
                    else None
                ),
                content=a.content,
            )
            for a in n.audiences
        ),
        reminders=(
            Reminders(
                notify=tuple(n.reminders.notify),
                overdue_after=resolve_target(spec, n.reminders.overdue_after).target,
                escalate_to=tuple(n.reminders.escalate_to),
                methods=tuple(n.reminders.methods),
            )
            if n.reminders
            else None
        ),
        status_page_url=n.status_page_url,
        templates=_templates(n.templates),
    )


def build_channels(spec: PolicySpec) -> tuple[ChannelConfig, ...]:
    return tuple(
        ChannelConfig(
            c.name,
            c.kind,
            c.model_dump(exclude={"name", "kind", "templates"}),
            _templates(c.templates),
        )
        for c in spec.channels
    )


def notifications_document(spec: PolicySpec, document: dict[str, Any]) -> None:
    """Write the section's targets out with their calendars, in place."""
    section = document["notifications"]
    for position, audience in enumerate(spec.notifications.audiences):
        if audience.updates is not None:
            section["audiences"][position]["updates"]["every"] = resolve_target(
                spec, audience.updates.every
            ).as_document()
    if spec.notifications.reminders is not None:
        section["reminders"]["overdue_after"] = resolve_target(
            spec, spec.notifications.reminders.overdue_after
        ).as_document()
    # JSON has no integer keys: severity levels are written as text and read back as numbers.
    section["methods"] = {str(level): list(m) for level, m in spec.notifications.methods.items()}


def _templates(specs: Mapping[str, TemplateSpec]) -> dict[str, TemplateText]:
    return {name: TemplateText(**t.model_dump()) for name, t in specs.items()}
