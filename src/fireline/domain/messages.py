"""Messages: what Fireline tells people, independent of the channel that carries it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    """One message to send. `key` is its idempotency key: every attempt to deliver the same
    message carries it, so a receiver that honours it gets the message once."""

    key: str
    subject: str
    text: str
    incident_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelConfig:
    """A channel as the policy names it: its `kind` (email, webhook, …) and that kind's
    settings, already validated by the policy loader."""

    name: str
    kind: str
    settings: dict[str, str | int | float | bool | None]
