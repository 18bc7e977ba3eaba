"""The escalation part of a policy: levels, per-tier timing, elapsed notices, paging chains,
and the contacts they reach (handbooks 000, 003 and 004, and PagerDuty-style paging)."""

from __future__ import annotations

from dataclasses import dataclass

from fireline.domain.budgets import Target
from fireline.domain.oncall import Restriction


@dataclass(frozen=True)
class Contact:
    """Someone the policy tells or pages by name, such as the IT manager (handbook 004).

    A contact reaches `primary` (a user) when set, else its own `email`, `phone` and `chat`
    (someone without a Fireline account, or a distribution list). With a `backup` (handbook
    004's backup contact), the backup is paged when the incident is still unacknowledged
    `backup_after` a page to this contact."""

    name: str
    label: str
    description: str = ""
    primary: str | None = None
    backup: str | None = None
    backup_after: Target | None = None
    email: str | None = None
    phone: str | None = None
    chat: str | None = None

    @property
    def has_address(self) -> bool:
        return bool(self.email or self.phone or self.chat)


@dataclass(frozen=True)
class PagingStep:
    """Page `targets` (or, with `round_robin`, one of them, the next each time round), then
    wait `wait` for an acknowledgement before the next step."""

    targets: tuple[str, ...]
    wait: Target
    round_robin: bool = False


@dataclass(frozen=True)
class PagingChain:
    """PagerDuty-style paging for incidents of `severities` declared within `when` (None:
    any time): the steps in order, the whole chain `repeat` times, until acknowledged."""

    name: str
    severities: tuple[int, ...]
    steps: tuple[PagingStep, ...]
    repeat: int = 1
    when: tuple[Restriction, ...] = ()
    """Weekly windows in the policy's time zone; empty: any time."""


@dataclass(frozen=True)
class EscalationLevel:
    """What happens when an incident reaches `level`: the handbook's `action`, sent to
    `targets` (see `fireline.domain.targets` for how a target is written)."""

    level: int
    action: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class TierEscalation:
    """Escalation by time for incidents of one criticality tier (handbook 000).

    Every `every` without a resolution path the incident moves up one level, up to `up_to`.
    With `unresolved_level`, an incident still unresolved after `unresolved_after` moves to
    that level ("move to level 3 if not resolved in time").
    """

    criticality: str
    every: Target
    up_to: int
    unresolved_after: Target | None = None
    unresolved_level: int | None = None


@dataclass(frozen=True)
class ElapsedNotice:
    """Tell `targets` when an incident of one of `severities` is still unresolved `after`
    its declaration (handbook 004's escalation matrix)."""

    after: Target
    severities: tuple[int, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class BreachRule:
    """Who hears when an SLA target is breached (handbook 002: "escalate when an incident
    cannot be resolved within SLA: notify next level").

    With `next_level`, a breach escalates: the next escalation level the incident has not yet
    reached comes forward to the breach; when no such level is planned (the top was reached,
    or escalation by time has stopped), the breach itself goes to the next level's targets,
    or the top level's. `targets` are told of every breach besides."""

    next_level: bool = False
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class EscalationRules:
    """Time-driven escalation: levels and their actions, per-tier timing, elapsed notices."""

    levels: tuple[EscalationLevel, ...] = ()
    tiers: tuple[TierEscalation, ...] = ()
    elapsed: tuple[ElapsedNotice, ...] = ()
    handover_contact: Target | None = None
    """How soon a new owner must make contact after a hand-over (handbook 003: 2 hours)."""
    chains: tuple[PagingChain, ...] = ()
    on_breach: BreachRule = BreachRule()

    def level(self, number: int) -> EscalationLevel | None:
        return next((level for level in self.levels if level.level == number), None)
