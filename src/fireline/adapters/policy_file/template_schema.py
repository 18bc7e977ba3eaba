"""A message template as the policy file writes it (under `notifications.templates` and a
channel's `templates`): Jinja2 sources for some of a message's parts."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

TemplateSource = Annotated[str, Field(min_length=1, max_length=20_000)]


class TemplateSpec(BaseModel):
    """Parts left out keep the wording of the level below (channel → policy → Fireline)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    text: TemplateSource | None = None
    short: TemplateSource | None = None
    markdown: TemplateSource | None = None
    blocks: TemplateSource | None = None
