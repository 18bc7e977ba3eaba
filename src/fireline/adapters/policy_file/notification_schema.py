"""The `notifications` section's shape: methods per severity, audiences and their cadence,
reminders, and message templates (which channels may override too).

What relates these keys to the rest of the file (defined severities, channels, targets) and
whether a template compiles and stays in its sandbox is checked in `notification_checks`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from fireline.adapters.policy_file.channel_schema import Url
from fireline.adapters.policy_file.fields import (
    Label,
    SnakeName,
    TargetReference,
    TargetSpec,
    Text,
)
from fireline.adapters.policy_file.template_schema import TemplateSpec

Method = Literal["email", "sms", "voice", "chat", "console"]


def _severity_key(value: Any) -> Any:
    # YAML gives `1:` as an int; a stored JSON document gives "1".
    return int(value) if isinstance(value, str) and value.isdigit() else value


SeverityKey = Annotated[int, BeforeValidator(_severity_key), Field(ge=1, le=9, strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UpdatesSpec(_Model):
    every: TargetSpec
    severities: list[Annotated[int, Field(ge=1, le=9, strict=True)]] = Field(min_length=1)


class AudienceSpec(_Model):
    name: SnakeName
    label: Label
    notify: list[TargetReference] = Field(default_factory=list)
    methods: list[Method] = Field(default_factory=list)
    updates: UpdatesSpec | None = None
    content: Text = ""


class RemindersSpec(_Model):
    notify: list[TargetReference] = Field(min_length=1)
    overdue_after: TargetSpec = TargetSpec(within="15m")
    escalate_to: list[TargetReference] = Field(default_factory=list)
    methods: list[Method] = Field(default_factory=list)


class NotificationsSpec(_Model):
    methods: dict[SeverityKey, list[Method]] = Field(default_factory=dict)
    via: dict[Method, SnakeName] = Field(default_factory=dict)
    on_declare: list[TargetReference] = Field(default_factory=list)
    on_resolve: list[TargetReference] = Field(default_factory=list)
    audiences: list[AudienceSpec] = Field(default_factory=list)
    reminders: RemindersSpec | None = None
    status_page_url: Url | None = None
    templates: dict[str, TemplateSpec] = Field(default_factory=dict)
