"""Planning: every timer an incident's course leads to under its policy, in firing order.

Pure: the caller passes the incident's course and its pinned policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from fireline.domain.calendars import add_working_time, calendar_of
from fireline.domain.clocks import reached_at
from fireline.domain.communication import plan_communication
from fireline.domain.escalation_rules import TierEscalation
from fireline.domain.lifecycle import ACTIVE, Status
from fireline.domain.paging import plan_backups, plan_pages
from fireline.domain.policy import ALWAYS_ON, Policy, Target
from fireline.domain.timers import (
    NO_RESOLUTION_PATH,
    ORDER,
    UNRESOLVED,
    Course,
    Timer,
    TimerKind,
    spelled,
)


def plan_timers(course: Course, policy: Policy) -> list[Timer]:
    """Every timer the course leads to if nothing else changes, past ones included, in the
    order they fire."""
    sla, escalation = _on_breach(course, policy, _sla(course, policy), _escalation(course, policy))
    timers = [*sla, *escalation, *_elapsed(course, policy)]
    timers += _reviews(course, policy, timers)
    timers += _contact(course, policy)
    timers += plan_pages(course, policy)
    timers += plan_backups(course, policy, timers)
    timers += plan_communication(course, policy)
    # One timer per key: a policy may name the same contact twice for the same wait.
    unique = {timer.key: timer for timer in reversed(timers)}
    return sorted(unique.values(), key=lambda t: (t.due_at, ORDER[t.kind], t.key))


def _sla(course: Course, policy: Policy) -> list[Timer]:
    severity = policy.severity(course.severity)
    resolved_at = course.resolved_at
    stops = {"response": course.acknowledged_at or resolved_at, "resolution": resolved_at}
    timers = []
    for name, target in (("response", severity.response), ("resolution", severity.resolution)):
        budget = timedelta(seconds=target.seconds)
        share = policy.at_risk_share
        for kind, amount, note in (
            (
                TimerKind.SLA_WARNING,
                budget * share,
                f"{name.capitalize()} target at risk: {share:.0%} of {spelled(budget)} spent",
            ),
            (
                TimerKind.SLA_BREACH,
                budget,
                f"{name.capitalize()} target of {spelled(budget)} ({target.calendar}) breached",
            ),
        ):
            calendar = calendar_of(policy, target.calendar)
            due = reached_at(calendar, course.spans, amount, stops[name])
            if due is not None:
                timers.append(Timer(f"{kind.value}:{name}", kind, due, clock=name, note=note))
    return timers


def _on_breach(
    course: Course, policy: Policy, sla: list[Timer], escalation: list[Timer]
) -> tuple[list[Timer], list[Timer]]:
    """Who each breach reaches (`escalation.on_breach`), with the escalation levels a breach
    brings forward. A level already due at the breach is left where it is: it escalates at
    that very moment anyway (handbook 000's response target is its first level's time)."""
    rule = policy.escalation.on_breach
    if not rule.next_level and not rule.targets:
        return sla, escalation
    levels = sorted(escalation, key=lambda t: t.due_at)
    told = []
    for timer in sla:
        if timer.kind is not TimerKind.SLA_BREACH:
            told.append(timer)
            continue
        targets = list(rule.targets)
        if rule.next_level:
            pending = next((t for t in levels if t.due_at >= timer.due_at), None)
            if pending is None:
                targets += _next_level_targets(course, policy, levels, timer.due_at)
            elif pending.due_at > timer.due_at:
                moved = replace(
                    pending,
                    due_at=timer.due_at,
                    note=f"{pending.note} (brought forward: the {timer.clock} target was breached)",
                )
                levels[levels.index(pending)] = moved
        told.append(replace(timer, targets=tuple(dict.fromkeys(targets))))
    return told, levels


def _next_level_targets(
    course: Course, policy: Policy, levels: Sequence[Timer], at: datetime
) -> tuple[str, ...]:
    """The targets of the level after the highest reached by `at` (or of the top level,
    when it was reached): whom a breach escalates to when no level timer is left."""
    reached = max(
        [course.escalated_to, *(t.level or 0 for t in levels if t.due_at < at)], default=0
    )
    level = policy.escalation.level(reached + 1) or policy.escalation.level(reached)
    return level.targets if level is not None else ()


def _tier_escalation(course: Course, policy: Policy) -> TierEscalation | None:
    """The escalation of the incident's criticality tier; without one, of the tier its
    severity corresponds to (the tier that implies that severity)."""
    by_tier = {entry.criticality: entry for entry in policy.escalation.tiers}
    if course.criticality is not None and course.criticality in by_tier:
        return by_tier[course.criticality]
    for tier in sorted(policy.criticality_tiers, key=lambda t: t.level):
        if tier.implies_severity == course.severity and tier.name in by_tier:
            return by_tier[tier.name]
    return None


def _escalation(course: Course, policy: Policy) -> list[Timer]:
    entry = _tier_escalation(course, policy)
    if entry is None:
        return []
    steps: list[tuple[int, datetime]] = []
    calendar = calendar_of(policy, entry.every.calendar)
    every = timedelta(seconds=entry.every.seconds)
    for level in range(1, entry.up_to + 1):
        due = reached_at(calendar, course.spans, every * level, None, NO_RESOLUTION_PATH)
        if due is None:
            break
        steps.append((level, due))
    late = entry.unresolved_level
    if entry.unresolved_after is not None and late is not None and late > len(steps):
        due = _unresolved_for(course, policy, entry.unresolved_after, ACTIVE)
        if due is not None:
            # Past the time to resolve the incident jumps to `late`; the regular levels that
            # would have come after that are overtaken.
            steps = [(level, at) for level, at in steps if at < due] + [(late, due)]
    timers = []
    for level, due in steps:
        if level <= course.escalated_to:
            continue  # a person already escalated this far
        action = policy.escalation.level(level)
        timers.append(
            Timer(
                f"escalation:{level}",
                TimerKind.ESCALATION,
                due,
                level=level,
                targets=action.targets if action else (),
                note=f"Escalated to level {level}" + (f": {action.action}" if action else ""),
            )
        )
    return timers


def _elapsed(course: Course, policy: Policy) -> list[Timer]:
    timers = []
    for notice in policy.escalation.elapsed:
        if course.severity not in notice.severities:
            continue
        due = _unresolved_for(course, policy, notice.after, UNRESOLVED)
        if due is None:
            continue
        after = spelled(timedelta(seconds=notice.after.seconds))
        # The calendar is part of the key: 1h and 1 business hour are different notices.
        wait = str(notice.after.seconds)
        if notice.after.calendar != ALWAYS_ON:
            wait += f"@{notice.after.calendar}"
        for target in notice.targets:
            timers.append(
                Timer(
                    f"notify:{wait}:{target}",
                    TimerKind.NOTIFY,
                    due,
                    targets=(target,),
                    note=f"Notify {target}: Sev-{course.severity} unresolved after {after}",
                )
            )
    return timers


def _reviews(course: Course, policy: Policy, timers: Sequence[Timer]) -> list[Timer]:
    resolved_at = course.resolved_at
    if resolved_at is None:
        return []
    # The level reached by resolution: by a timer due before it, or by hand.
    reached = max(
        (
            t.level or 0
            for t in timers
            if t.kind is TimerKind.ESCALATION and t.due_at <= resolved_at
        ),
        default=course.escalated_to,
    )
    reached = max(reached, course.escalated_to)
    reviews = []
    for rule in policy.review_rules:
        if rule.due_within is None:
            continue
        matches = (
            course.severity in rule.severities
            or (course.criticality is not None and course.criticality in rule.criticalities)
            or (
                rule.escalation_level_at_least is not None
                and reached >= rule.escalation_level_at_least
            )
        )
        if matches:
            calendar = calendar_of(policy, rule.due_within.calendar)
            due = add_working_time(calendar, resolved_at, rule.due_within.seconds)
            note = f"Post-incident review due ({rule.description or rule.name})"
            reviews.append(Timer(f"review_due:{rule.name}", TimerKind.REVIEW_DUE, due, note=note))
    return reviews


def _contact(course: Course, policy: Policy) -> list[Timer]:
    """Handbook 003: after a hand-over the new owner contacts the reporter within 2 hours."""
    within, handover = policy.escalation.handover_contact, course.handover
    if within is None or handover is None or course.resolved_at is not None:
        return []
    due = add_working_time(calendar_of(policy, within.calendar), handover.at, within.seconds)
    if handover.contacted_at is not None and handover.contacted_at <= due:
        return []
    span = spelled(timedelta(seconds=within.seconds))
    return [
        Timer(
            f"contact_overdue:{handover.at.isoformat()}",
            TimerKind.CONTACT_OVERDUE,
            due,
            targets=(f"user:{handover.owner}",),
            note=f"{handover.owner} has not acted on the incident within {span} of taking it on",
        )
    ]


def _unresolved_for(
    course: Course, policy: Policy, target: Target, counting: tuple[Status, ...]
) -> datetime | None:
    calendar = calendar_of(policy, target.calendar)
    return reached_at(calendar, course.spans, timedelta(seconds=target.seconds), None, counting)
