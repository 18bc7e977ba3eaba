"""Messages: what Fireline tells people, independent of the channel that carries it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fireline.domain.notifications import TemplateText


@dataclass(frozen=True)
class Message:
    """One message to send. `key` is its idempotency key: every attempt to deliver the same
    message carries it, so a receiver that honours it gets the message once.

    A channel uses the parts that suit it: email the subject and text, SMS and calls the
    short form, chat rooms the markdown (or Slack `blocks`, a JSON list, when given).
    """

    key: str
    subject: str
    text: str
    incident_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    short: str = ""
    markdown: str = ""
    blocks: str | None = None

    @property
    def brief(self) -> str:
        """The short form, or the subject when there is none."""
        return self.short or self.subject

    @property
    def rich(self) -> str:
        """The markdown form, or the plain text when there is none."""
        return self.markdown or self.text


@dataclass(frozen=True)
class ChannelConfig:
    """A channel as the policy names it: its `kind` (email, webhook, …) and that kind's
    settings, already validated by the policy loader; `templates` override the policy's
    wording of some kinds of message for this channel only."""

    name: str
    kind: str
    settings: Mapping[str, str | int | float | bool | None]
    templates: Mapping[str, TemplateText] = field(default_factory=dict)
