"""Rules for the `schedules` section: layers, countable shifts, no overlapping overrides; and a
note for a layer without members (a rota still to be filled in, as presets ship it)."""

from __future__ import annotations

from fireline.adapters.policy_file.build_escalation import local_instant
from fireline.adapters.policy_file.checks import Issue, unique
from fireline.adapters.policy_file.durations import parse_duration
from fireline.adapters.policy_file.lines import Loc
from fireline.adapters.policy_file.schema import PolicySpec
from fireline.domain.oncall import Override, overlapping

SHORTEST_SHIFT = 3600
"""Shorter shifts are a typo, and would make every lookup walk thousands of hand-offs."""
LONGEST_SHIFT = 366 * 86_400


def find_schedule_problems(spec: PolicySpec) -> list[Issue]:
    """Every problem of the on-call schedules; empty when they are consistent."""
    issues = unique(("schedules",), "name", [s.name for s in spec.schedules], "name")
    for position, schedule in enumerate(spec.schedules):
        here: Loc = ("schedules", position)
        zone = schedule.time_zone or spec.time_zone
        if not schedule.layers:
            issues.append(
                Issue(
                    (*here, "layers"),
                    [],
                    f"schedule {schedule.name!r} has no layers (allowed: at least one layer "
                    "with members)",
                )
            )
        issues += unique((*here, "layers"), "name", [x.name for x in schedule.layers], "name")
        for index, layer in enumerate(schedule.layers):
            duration = parse_duration(layer.shift)
            if duration.is_business or not (SHORTEST_SHIFT <= duration.seconds() <= LONGEST_SHIFT):
                issues.append(
                    Issue(
                        (*here, "layers", index, "shift"),
                        layer.shift,
                        f"a shift cannot be {layer.shift!r} (allowed: a clock duration such "
                        "as 12h, 1d or 7d, from 1h to 366d)",
                    )
                )
        windows = []
        for index, override in enumerate(schedule.overrides):
            starts = local_instant(override.starts, zone)
            ends = local_instant(override.ends, zone)
            windows.append(Override(override.person, starts, ends))
            if ends <= starts:
                issues.append(
                    Issue(
                        (*here, "overrides", index, "ends"),
                        override.ends,
                        f"the override ends before it starts (allowed: later than "
                        f"{override.starts})",
                    )
                )
        for first, second in overlapping(windows):
            issues.append(
                Issue(
                    (*here, "overrides", second),
                    schedule.overrides[second].person,
                    f"overlaps override {first} ({schedule.overrides[first].person}, "
                    f"{schedule.overrides[first].starts} to {schedule.overrides[first].ends}) "
                    "(allowed: overrides of one schedule that do not overlap)",
                )
            )
    return issues


def find_schedule_notes(spec: PolicySpec) -> list[Issue]:
    """Layers nobody is in yet: valid (overrides can still put someone on call, and a gap
    is reported wherever it matters), but worth saying."""
    return [
        Issue(
            ("schedules", position, "layers", index, "members"),
            [],
            f"layer {layer.name!r} has no members, so nobody is on call in it until you add "
            "user names (who take turns) or an override covers it",
        )
        for position, schedule in enumerate(spec.schedules)
        for index, layer in enumerate(schedule.layers)
        if not layer.members
    ]
