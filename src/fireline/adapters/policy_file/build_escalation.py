"""From a validated file to the escalation, paging and on-call parts of a `Policy`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fireline.adapters.policy_file.durations import parse_duration
from fireline.adapters.policy_file.fields import WEEKDAYS
from fireline.adapters.policy_file.schema import PolicySpec, RestrictionSpec, ScheduleSpec
from fireline.adapters.policy_file.targets import resolve_target
from fireline.domain.escalation_rules import (
    BreachRule,
    Contact,
    ElapsedNotice,
    EscalationLevel,
    EscalationRules,
    PagingChain,
    PagingStep,
    TierEscalation,
)
from fireline.domain.oncall import END_OF_DAY, Layer, Override, Restriction, Schedule


def build_contacts(spec: PolicySpec) -> tuple[Contact, ...]:
    return tuple(
        Contact(
            c.name,
            c.label,
            c.description,
            primary=c.primary,
            backup=c.backup,
            backup_after=resolve_target(spec, c.backup_after).target if c.backup_after else None,
            email=c.email,
            phone=c.phone,
            chat=c.chat,
        )
        for c in spec.contacts
    )


def local_instant(text: str, zone: str) -> datetime:
    """A local date and time of the file (no offset), read in `zone`, as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def build_schedule(spec: PolicySpec, schedule: ScheduleSpec) -> Schedule:
    zone = schedule.time_zone or spec.time_zone
    return Schedule(
        name=schedule.name,
        time_zone=zone,
        layers=tuple(
            Layer(
                name=layer.name,
                members=tuple(layer.members),
                starts_at=local_instant(layer.starts, zone),
                shift=timedelta(seconds=parse_duration(layer.shift).seconds()),
                restrictions=tuple(_window(r) for r in layer.restrictions),
            )
            for layer in schedule.layers
        ),
        overrides=tuple(
            Override(o.person, local_instant(o.starts, zone), local_instant(o.ends, zone))
            for o in schedule.overrides
        ),
        team=schedule.team,
    )


def build_escalation(spec: PolicySpec) -> EscalationRules:
    rules = spec.escalation
    return EscalationRules(
        levels=tuple(
            EscalationLevel(level.level, level.action, tuple(level.notify))
            for level in rules.levels
        ),
        tiers=tuple(
            TierEscalation(
                criticality=entry.criticality,
                every=resolve_target(spec, entry.every).target,
                up_to=entry.up_to,
                unresolved_after=resolve_target(spec, entry.when_unresolved.after).target
                if entry.when_unresolved
                else None,
                unresolved_level=entry.when_unresolved.level if entry.when_unresolved else None,
            )
            for entry in rules.by_criticality
        ),
        elapsed=tuple(
            ElapsedNotice(
                resolve_target(spec, notice.after).target,
                tuple(notice.severities),
                tuple(notice.notify),
            )
            for notice in rules.elapsed_notifications
        ),
        handover_contact=resolve_target(spec, rules.handover_contact_within).target
        if rules.handover_contact_within
        else None,
        on_breach=BreachRule(rules.on_breach.next_level, tuple(rules.on_breach.notify)),
        chains=tuple(
            PagingChain(
                name=chain.name,
                severities=tuple(chain.severities),
                steps=tuple(
                    PagingStep(
                        tuple(step.notify),
                        resolve_target(spec, step.wait).target,
                        step.round_robin,
                    )
                    for step in chain.steps
                ),
                repeat=chain.repeat,
                when=tuple(_window(window) for window in chain.when),
            )
            for chain in rules.paging_chains
        ),
    )


def _window(window: RestrictionSpec) -> Restriction:
    start, end = window.hours.split("-")
    return Restriction(
        days=tuple(sorted({WEEKDAYS.index(day) + 1 for day in window.days})),
        start=time.fromisoformat(start),
        end=END_OF_DAY if end == "24:00" else time.fromisoformat(end),
    )
