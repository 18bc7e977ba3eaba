"""Rules that relate one part of a policy file to another.

The schema has already checked each value on its own; here the names must be unique,
references must point at something defined, the matrix must be complete and every target
must be countable. `find_problems` returns all of them, in no particular order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fireline.adapters.policy_file.fields import TargetSpec
from fireline.adapters.policy_file.lines import Loc
from fireline.adapters.policy_file.schema import PolicySpec
from fireline.adapters.policy_file.targets import TargetError, resolve_target


@dataclass(frozen=True)
class Issue:
    """A problem at `loc` in the document, before it is given a file and a line."""

    loc: Loc
    value: object
    message: str


def find_problems(spec: PolicySpec) -> list[Issue]:
    """Every cross-reference problem in `spec`; empty when the policy is consistent."""
    return [
        *_duplicates(spec),
        *_severities(spec),
        *_matrix(spec),
        *_tiers_and_services(spec),
        *_targets(spec),
        *_severity_rule(spec),
        *_review_rules(spec),
        *_access(spec),
    ]


def choices(names: Iterable[object]) -> str:
    listed = ", ".join(str(name) for name in names)
    return listed or "(none defined)"


def unique(section: Loc, key: str, values: Sequence[object], what: str) -> list[Issue]:
    first: dict[object, int] = {}
    issues = []
    for position, value in enumerate(values):
        if value in first:
            issues.append(
                Issue(
                    (*section, position, key) if key else (*section, position),
                    value,
                    f"duplicate {what} {value!r}: already used by "
                    f"{'.'.join(map(str, section))}[{first[value]}] (allowed: each {what} once)",
                )
            )
        first.setdefault(value, position)
    return issues


def undefined_severities(loc: Loc, listed: Sequence[int], spec: PolicySpec) -> list[Issue]:
    """An issue for each severity in `listed` (at `loc`) that the policy does not define."""
    defined = sorted(_defined_severities(spec))
    return [
        Issue(
            (*loc, index),
            level,
            f"severity {level} is not defined (allowed: {choices(defined)})",
        )
        for index, level in enumerate(listed)
        if level not in defined
    ]


def _duplicates(spec: PolicySpec) -> list[Issue]:
    named = {
        "incident_types": [t.name for t in spec.incident_types],
        "calendars": [c.name for c in spec.calendars],
        "severities": [s.name for s in spec.severities],
        "criticality_tiers": [t.name for t in spec.criticality_tiers],
        "services": [s.name for s in spec.services],
        "roles": [r.name for r in spec.roles],
        "closure_checklist": [i.name for i in spec.closure_checklist],
        "review_rules": [r.name for r in spec.review_rules],
        "channels": [c.name for c in spec.channels],
    }
    issues = [
        issue
        for section, names in named.items()
        for issue in unique((section,), "name", names, "name")
    ]
    issues += unique(("severities",), "level", [s.level for s in spec.severities], "level")
    issues += unique(
        ("criticality_tiers",), "level", [t.level for t in spec.criticality_tiers], "level"
    )
    issues += unique(("support_tiers",), "level", [t.level for t in spec.support_tiers], "level")
    matrix = spec.priority_matrix
    issues += unique(("priority_matrix", "impacts"), "", matrix.impacts, "impact")
    issues += unique(("priority_matrix", "urgencies"), "", matrix.urgencies, "urgency")
    issues += unique(("severity_rule", "sources"), "", spec.severity_rule.sources, "source")
    for position, calendar in enumerate(spec.calendars):
        issues += unique(
            ("calendars", position, "working_days"), "", calendar.working_days, "working day"
        )
    return issues


def _severities(spec: PolicySpec) -> list[Issue]:
    levels = sorted({s.level for s in spec.severities})
    expected = list(range(1, len(levels) + 1))
    if levels == expected:
        return []
    return [
        Issue(
            ("severities",),
            levels,
            f"severity levels {choices(levels)} leave a gap "
            f"(allowed: levels 1 to N with none missing, such as {choices(expected)})",
        )
    ]


def _defined_severities(spec: PolicySpec) -> set[int]:
    return {s.level for s in spec.severities}


def _matrix(spec: PolicySpec) -> list[Issue]:
    matrix = spec.priority_matrix
    here: Loc = ("priority_matrix", "cells")
    issues = []
    for urgency in matrix.urgencies:
        if urgency not in matrix.cells:
            issues.append(
                Issue(
                    here,
                    urgency,
                    f"no row for urgency {urgency!r} (allowed: one row per urgency, "
                    f"{choices(matrix.urgencies)}, each with a cell per impact)",
                )
            )
    for urgency, row in matrix.cells.items():
        if urgency not in matrix.urgencies:
            issues.append(
                Issue(
                    (*here, urgency),
                    urgency,
                    f"unknown urgency {urgency!r} (allowed: {choices(matrix.urgencies)})",
                )
            )
            continue
        for impact in matrix.impacts:
            if impact not in row:
                issues.append(
                    Issue(
                        (*here, urgency),
                        impact,
                        f"no cell for impact {impact!r} at urgency {urgency!r} "
                        f"(allowed: a priority for every impact, {choices(matrix.impacts)})",
                    )
                )
        for impact, priority in row.items():
            if impact not in matrix.impacts:
                issues.append(
                    Issue(
                        (*here, urgency, impact),
                        impact,
                        f"unknown impact {impact!r} (allowed: {choices(matrix.impacts)})",
                    )
                )
            elif priority not in matrix.priority_severity:
                issues.append(
                    Issue(
                        (*here, urgency, impact),
                        priority,
                        f"priority {priority!r} has no severity in priority_severity "
                        f"(allowed: {choices(matrix.priority_severity)})",
                    )
                )
    levels = _defined_severities(spec)
    for priority, level in matrix.priority_severity.items():
        if level not in levels:
            issues.append(
                Issue(
                    ("priority_matrix", "priority_severity", priority),
                    level,
                    f"severity {level} is not defined (allowed: {choices(sorted(levels))})",
                )
            )
    return issues


def _tiers_and_services(spec: PolicySpec) -> list[Issue]:
    levels = _defined_severities(spec)
    issues = [
        Issue(
            ("criticality_tiers", position, "implies_severity"),
            tier.implies_severity,
            f"severity {tier.implies_severity} is not defined "
            f"(allowed: {choices(sorted(levels))} or null)",
        )
        for position, tier in enumerate(spec.criticality_tiers)
        if tier.implies_severity is not None and tier.implies_severity not in levels
    ]
    tiers = [tier.name for tier in spec.criticality_tiers]
    issues += [
        Issue(
            ("services", position, "criticality"),
            service.criticality,
            f"unknown criticality tier {service.criticality!r} (allowed: {choices(tiers)})",
        )
        for position, service in enumerate(spec.services)
        if service.criticality not in tiers
    ]
    return issues


def _targets(spec: PolicySpec) -> list[Issue]:
    targets: list[tuple[Loc, TargetSpec]] = []
    for position, severity in enumerate(spec.severities):
        targets.append((("severities", position, "response"), severity.response))
        targets.append((("severities", position, "resolution"), severity.resolution))
    for position, rule in enumerate(spec.review_rules):
        if rule.due_within is not None:
            targets.append((("review_rules", position, "due_within"), rule.due_within))
    issues = []
    resolved = {}
    for loc, target in targets:
        try:
            resolved[loc] = resolve_target(spec, target).target
        except TargetError as error:
            at_calendar = (*loc, "calendar") if error.on_calendar else loc
            value = target.calendar if error.on_calendar else target.within
            issues.append(Issue(at_calendar, value, str(error)))
    for position, severity in enumerate(spec.severities):
        response = resolved.get(("severities", position, "response"))
        resolution = resolved.get(("severities", position, "resolution"))
        # Targets in different calendars cannot be compared without a start time.
        if response is None or resolution is None:
            continue
        if response.calendar == resolution.calendar and response.seconds > resolution.seconds:
            issues.append(
                Issue(
                    ("severities", position, "resolution"),
                    severity.resolution.within,
                    f"shorter than the response target {severity.response.within!r} "
                    "(allowed: at least as long as the response target)",
                )
            )
    return issues


def _severity_rule(spec: PolicySpec) -> list[Issue]:
    levels = _defined_severities(spec)
    when_unknown = spec.severity_rule.when_unknown
    if when_unknown in levels:
        return []
    return [
        Issue(
            ("severity_rule", "when_unknown"),
            when_unknown,
            f"severity {when_unknown} is not defined (allowed: {choices(sorted(levels))})",
        )
    ]


def _review_rules(spec: PolicySpec) -> list[Issue]:
    tiers = [tier.name for tier in spec.criticality_tiers]
    issues = []
    for position, rule in enumerate(spec.review_rules):
        here: Loc = ("review_rules", position)
        issues += undefined_severities((*here, "severities"), rule.severities, spec)
        issues += [
            Issue(
                (*here, "criticalities", index),
                name,
                f"unknown criticality tier {name!r} (allowed: {choices(tiers)})",
            )
            for index, name in enumerate(rule.criticalities)
            if name not in tiers
        ]
        if not (rule.severities or rule.criticalities or rule.escalation_level_at_least):
            issues.append(
                Issue(
                    here,
                    rule.name,
                    f"review rule {rule.name!r} can never match (allowed: at least one of "
                    "severities, criticalities or escalation_level_at_least)",
                )
            )
    return issues


def _access(spec: PolicySpec) -> list[Issue]:
    types = [t.name for t in spec.incident_types]
    return [
        Issue(
            ("access", "restricted_types", index),
            name,
            f"unknown incident type {name!r} (allowed: {choices(types)})",
        )
        for index, name in enumerate(spec.access.restricted_types or [])
        if name not in types
    ]
