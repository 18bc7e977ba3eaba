"""Who hears what, how and how often: the `notifications` part of a policy (handbook 004 §5).

- **Methods** are how a person is reached: ``email``, ``sms``, ``voice`` (a phone call),
  ``chat`` and ``console`` (Fireline's own inbox, which never leaves the machine). Each
  severity names the methods its notifications use (004 §5.1: Sev-1 "phone calls + Slack +
  email", Sev-4 "email"); `via` says which channel carries each method.
- **Audiences** are stakeholder groups (004 §5.2: executives, business units, customer
  support, partners) with the targets they reach, their own methods, and an update cadence.
- **Reminders**: when an audience's update is due, the communications lead is reminded;
  when it is overdue, the reminder escalates.
- **Templates** word each kind of message (handbook 002's initial notification, status
  update and resolution notice, and Fireline's page, notice and reminder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fireline.domain.budgets import Target

METHODS = ("email", "sms", "voice", "chat", "console")
"""How a person can be reached, each carried by a channel of its kind (chat: slack or teams;
console: the inbox every person has in Fireline itself)."""
METHOD_KINDS: Mapping[str, tuple[str, ...]] = {
    "email": ("email",),
    "sms": ("sms",),
    "voice": ("voice",),
    "chat": ("slack", "teams"),
    "console": ("console",),
}
"""Which channel kinds can carry each method."""
METHOD_WORDS = {
    "email": "email",
    "sms": "SMS",
    "voice": "phone call",
    "chat": "chat",
    "console": "console inbox",
}

TEMPLATE_NAMES = ("initial", "page", "notice", "reminder", "update", "resolution")
"""The kinds of message Fireline words from a template (see `TemplateText`)."""
TEMPLATE_PARTS = ("subject", "text", "short", "markdown", "blocks")
"""subject: one line (email subject, chat title); text: plain text (email, webhooks);
short: a line or two (SMS, a spoken call, chat notifications); markdown: chat rooms (Slack
mrkdwn, Teams); blocks: Slack Block Kit, a JSON list."""


@dataclass(frozen=True)
class TemplateText:
    """Jinja2 sources of a message's parts; None leaves a part to the next level down
    (channel → policy → Fireline's defaults)."""

    subject: str | None = None
    text: str | None = None
    short: str | None = None
    markdown: str | None = None
    blocks: str | None = None

    def part(self, name: str) -> str | None:
        value: str | None = getattr(self, name)
        return value


@dataclass(frozen=True)
class UpdateCadence:
    """An audience hears from the incident every `every` while an incident of one of
    `severities` is unresolved, counted from declaration or from the last update it got."""

    every: Target
    severities: tuple[int, ...]


@dataclass(frozen=True)
class Audience:
    """A stakeholder group: who is in it (`notify` targets), how they are reached (`methods`;
    empty: the severity's), how often they expect an update and what it should say."""

    name: str
    label: str
    notify: tuple[str, ...]
    methods: tuple[str, ...] = ()
    updates: UpdateCadence | None = None
    content: str = ""


@dataclass(frozen=True)
class Reminders:
    """Who is reminded when an audience's update is due (`notify`), and who hears when it is
    still not sent `overdue_after` the reminder (`escalate_to`); by `methods` (empty: the
    severity's)."""

    notify: tuple[str, ...]
    overdue_after: Target
    escalate_to: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotificationRules:
    """The policy's `notifications` section; empty, Fireline only writes the timeline."""

    methods: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """severity level → methods, in the order they are tried when one fails for good."""
    via: Mapping[str, str] = field(default_factory=dict)
    """method → the name of the channel that carries it (when the policy has several)."""
    on_declare: tuple[str, ...] = ()
    """Who gets the initial notification when an incident is declared."""
    on_resolve: tuple[str, ...] = ()
    """Who gets the resolution notice, besides every audience with a cadence for it."""
    audiences: tuple[Audience, ...] = ()
    reminders: Reminders | None = None
    status_page_url: str | None = None
    templates: Mapping[str, TemplateText] = field(default_factory=dict)

    def audience(self, name: str) -> Audience | None:
        return next((a for a in self.audiences if a.name == name), None)

    def methods_for(self, severity: int) -> tuple[str, ...]:
        return self.methods.get(severity, ())

    def audiences_with_cadence(self, severity: int) -> tuple[Audience, ...]:
        """The audiences that expect regular updates on an incident of `severity`."""
        return tuple(
            a for a in self.audiences if a.updates is not None and severity in a.updates.severities
        )
