"""Rules that relate the `escalation` and `contacts` sections to the rest of a policy file.

Levels must be defined once and reached in order, tiers must exist, waits must be countable,
and every notify target must name a contact or an incident role the file defines.
"""

from __future__ import annotations

from collections.abc import Iterable

from fireline.adapters.policy_file.checks import Issue, choices, undefined_severities, unique
from fireline.adapters.policy_file.fields import TargetSpec
from fireline.adapters.policy_file.lines import Loc
from fireline.adapters.policy_file.schema import PolicySpec
from fireline.adapters.policy_file.targets import TargetError, resolve_target


def find_escalation_problems(spec: PolicySpec) -> list[Issue]:
    """Every problem of the escalation rules and contacts; empty when they are consistent."""
    rules = spec.escalation
    issues = unique(("contacts",), "name", [c.name for c in spec.contacts], "name")
    issues += unique(("escalation", "levels"), "level", [x.level for x in rules.levels], "level")
    issues += unique(
        ("escalation", "by_criticality"),
        "criticality",
        [x.criticality for x in rules.by_criticality],
        "criticality",
    )
    issues += unique(
        ("escalation", "paging_chains"), "name", [c.name for c in rules.paging_chains], "name"
    )
    issues += _levels(spec)
    issues += _chains(spec)
    issues += _backups(spec)
    issues += _tiers(spec)
    issues += _elapsed(spec)
    issues += _targets(spec)
    if rules.on_breach.next_level and not rules.levels:
        issues.append(
            Issue(
                ("escalation", "on_breach", "next_level"),
                True,
                "there is no next level to escalate to: escalation.levels is empty "
                "(allowed: false, or define escalation.levels)",
            )
        )
    if rules.handover_contact_within is not None:
        issues += countable(
            ("escalation", "handover_contact_within"), spec, rules.handover_contact_within
        )
    return issues


def _levels(spec: PolicySpec) -> list[Issue]:
    defined = sorted(level.level for level in spec.escalation.levels)
    expected = list(range(1, len(defined) + 1))
    if defined == expected or len(set(defined)) != len(defined):
        return []
    return [
        Issue(
            ("escalation", "levels"),
            defined,
            f"levels {defined} leave a gap (allowed: levels numbered 1, 2, 3 … without gaps)",
        )
    ]


def _tiers(spec: PolicySpec) -> list[Issue]:
    tiers = [tier.name for tier in spec.criticality_tiers]
    levels = sorted(level.level for level in spec.escalation.levels)
    highest = levels[-1] if levels else 0
    issues = []
    for position, entry in enumerate(spec.escalation.by_criticality):
        here: Loc = ("escalation", "by_criticality", position)
        if entry.criticality not in tiers:
            issues.append(
                Issue(
                    (*here, "criticality"),
                    entry.criticality,
                    f"unknown criticality tier {entry.criticality!r} (allowed: {choices(tiers)})",
                )
            )
        if entry.up_to > highest:
            issues.append(
                Issue(
                    (*here, "up_to"),
                    entry.up_to,
                    f"level {entry.up_to} is above the highest level defined under "
                    f"escalation.levels (allowed: 1 to {highest})"
                    if highest
                    else f"level {entry.up_to} is not defined (allowed: define it under "
                    "escalation.levels first)",
                )
            )
        issues += countable((*here, "every"), spec, entry.every)
        if entry.when_unresolved is None or entry.up_to > highest:
            continue
        level = entry.when_unresolved.level
        if level > highest or level <= entry.up_to:
            issues.append(
                Issue(
                    (*here, "when_unresolved", "level"),
                    level,
                    f"level {level} cannot follow up_to {entry.up_to} (allowed: "
                    f"{_range(entry.up_to + 1, highest)}, a defined level above up_to)",
                )
            )
        issues += countable((*here, "when_unresolved", "after"), spec, entry.when_unresolved.after)
    return issues


def _elapsed(spec: PolicySpec) -> list[Issue]:
    issues = []
    for position, notice in enumerate(spec.escalation.elapsed_notifications):
        here: Loc = ("escalation", "elapsed_notifications", position)
        issues += undefined_severities((*here, "severities"), notice.severities, spec)
        issues += countable((*here, "after"), spec, notice.after)
    return issues


def _chains(spec: PolicySpec) -> list[Issue]:
    issues = []
    for position, chain in enumerate(spec.escalation.paging_chains):
        here: Loc = ("escalation", "paging_chains", position)
        issues += undefined_severities((*here, "severities"), chain.severities, spec)
        for index, step in enumerate(chain.steps):
            issues += countable((*here, "steps", index, "wait"), spec, step.wait)
    return issues


def _backups(spec: PolicySpec) -> list[Issue]:
    issues = []
    for position, contact in enumerate(spec.contacts):
        here: Loc = ("contacts", position)
        if (contact.backup is None) != (contact.backup_after is None):
            issues.append(
                Issue(
                    (*here, "backup" if contact.backup is None else "backup_after"),
                    None,
                    f"contact {contact.name!r} needs both backup and backup_after (allowed: "
                    "both, such as backup: sam and backup_after: 15m, or neither)",
                )
            )
        if contact.backup_after is not None:
            issues += countable((*here, "backup_after"), spec, contact.backup_after)
    return issues


def _targets(spec: PolicySpec) -> list[Issue]:
    where: list[tuple[Loc, list[str]]] = [
        (("escalation", "levels", position, "notify"), level.notify)
        for position, level in enumerate(spec.escalation.levels)
    ]
    where += [
        (("escalation", "elapsed_notifications", position, "notify"), notice.notify)
        for position, notice in enumerate(spec.escalation.elapsed_notifications)
    ]
    where += [
        (("escalation", "paging_chains", position, "steps", index, "notify"), step.notify)
        for position, chain in enumerate(spec.escalation.paging_chains)
        for index, step in enumerate(chain.steps)
    ]
    where.append((("escalation", "on_breach", "notify"), spec.escalation.on_breach.notify))
    return unknown_targets(spec, where)


def unknown_targets(spec: PolicySpec, where: Iterable[tuple[Loc, list[str]]]) -> list[Issue]:
    """An issue for each target (in lists at each loc) naming a contact, role, schedule,
    audience, or team (of no schedule) that the file does not define. Users and channels are
    not checked here: users live in the database, and a channel target names a room (see
    `notification_checks`)."""
    known = {
        "contact": list(dict.fromkeys(contact.name for contact in spec.contacts)),
        "role": list(dict.fromkeys(role.name for role in spec.roles)),
        "schedule": list(dict.fromkeys(schedule.name for schedule in spec.schedules)),
        "audience": list(dict.fromkeys(a.name for a in spec.notifications.audiences)),
        "team": list(dict.fromkeys(s.team for s in spec.schedules if s.team)),
    }
    sections = {
        "contact": "contacts",
        "role": "roles",
        "schedule": "schedules",
        "audience": "notifications.audiences",
        "team": "schedules[].team",
    }
    issues = []
    for loc, targets in where:
        for index, target in enumerate(targets):
            kind, name = target.split(":", 1)
            if kind in known and name not in known[kind]:
                issues.append(
                    Issue(
                        (*loc, index),
                        target,
                        f"unknown {kind} {name!r} (allowed: "
                        f"{choices(f'{kind}:{n}' for n in known[kind])}, as defined under "
                        f"{sections[kind]})",
                    )
                )
    return issues


def countable(loc: Loc, spec: PolicySpec, target: TargetSpec) -> Iterable[Issue]:
    """An issue when `target` cannot be counted (an unknown calendar, a business duration
    without one, too long)."""
    try:
        resolve_target(spec, target)
    except TargetError as error:
        at_calendar = (*loc, "calendar") if error.on_calendar else loc
        value = target.calendar if error.on_calendar else target.within
        return [Issue(at_calendar, value, str(error))]
    return []


def _range(low: int, high: int) -> str:
    if low > high:
        return "none: raise up_to's ceiling by defining a higher level"
    return f"{low}" if low == high else f"{low} to {high}"
