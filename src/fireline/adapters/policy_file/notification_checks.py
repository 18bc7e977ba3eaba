"""Rules that relate `notifications`, channels and message templates to the rest of a file.

Problems stop the file from loading: an unknown audience or severity, a `via` naming a
channel that cannot carry its method, a role's `on_call` naming no schedule, a template that
does not compile, asks for an unknown variable or reaches outside its sandbox.

Notes do not: they say what would reach nobody as the file stands (a `channel:` target
naming no channel, a contact with no person or address, a method no channel carries), which
is how a preset looks before its channels and people are filled in. Fireline writes such
messages on the timeline only, saying why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fireline.adapters.notifications.templates import check_template
from fireline.adapters.policy_file.checks import Issue, choices, undefined_severities, unique
from fireline.adapters.policy_file.escalation_checks import countable, unknown_targets
from fireline.adapters.policy_file.lines import Loc
from fireline.adapters.policy_file.schema import PolicySpec
from fireline.adapters.policy_file.template_schema import TemplateSpec
from fireline.domain.notifications import METHOD_KINDS, TEMPLATE_NAMES, TEMPLATE_PARTS

_HERE: Loc = ("notifications",)


def find_notification_problems(spec: PolicySpec) -> list[Issue]:
    """Every problem of the notifications section, channel templates and roles' on_call."""
    n = spec.notifications
    issues = unique((*_HERE, "audiences"), "name", [a.name for a in n.audiences], "name")
    defined = sorted({s.level for s in spec.severities})
    issues += [
        Issue(
            (*_HERE, "methods", level),
            level,
            f"severity {level} is not defined (allowed: {choices(defined)})",
        )
        for level in n.methods
        if level not in defined
    ]
    issues += _via(spec)
    for position, audience in enumerate(n.audiences):
        here: Loc = (*_HERE, "audiences", position)
        if audience.updates is not None:
            issues += undefined_severities(
                (*here, "updates", "severities"), audience.updates.severities, spec
            )
            issues += countable((*here, "updates", "every"), spec, audience.updates.every)
        issues += [
            Issue(
                (*here, "notify", index),
                target,
                f"an audience cannot contain an audience (allowed: contact:, role:, "
                f"schedule:, user: or channel: targets; list {target}'s members here)",
            )
            for index, target in enumerate(audience.notify)
            if target.startswith("audience:")
        ]
    if n.reminders is not None:
        issues += countable((*_HERE, "reminders", "overdue_after"), spec, n.reminders.overdue_after)
    issues += unknown_targets(spec, _target_lists(spec))
    issues += _templates(_HERE, n.templates)
    for position, channel in enumerate(spec.channels):
        issues += _templates(("channels", position), channel.templates)
    schedules = [s.name for s in spec.schedules]
    issues += [
        Issue(
            ("roles", position, "on_call"),
            role.on_call,
            f"unknown schedule {role.on_call!r} (allowed: {choices(schedules)})",
        )
        for position, role in enumerate(spec.roles)
        if role.on_call is not None and role.on_call not in schedules
    ]
    return issues


def find_notification_notes(spec: PolicySpec) -> list[Issue]:
    """What would reach nobody as the file stands (not problems: see the module docstring)."""
    channels = {c.name: c.kind for c in spec.channels}
    contacts = {c.name: c for c in spec.contacts}
    notes = []
    # One note per target, at its first use: a preset names the same contact many times.
    first: dict[str, Loc] = {}
    for loc, targets in [*_target_lists(spec), *_escalation_lists(spec)]:
        for index, target in enumerate(targets):
            first.setdefault(target, (*loc, index))
    for target, loc in first.items():
        kind, name = target.split(":", 1)
        if kind == "channel" and name not in channels:
            notes.append(
                Issue(
                    loc,
                    target,
                    f"{target} names no channel, so what it is sent is written on the timeline "
                    f"only (channels: {choices(channels)})",
                )
            )
        contact = contacts.get(name) if kind == "contact" else None
        if contact and not (contact.primary or contact.email or contact.phone or contact.chat):
            notes.append(
                Issue(
                    loc,
                    target,
                    f"{target} has no primary person and no email, phone or chat, so what it "
                    "is sent is written on the timeline only",
                )
            )
    noted: set[str] = set()
    for level, methods in spec.notifications.methods.items():
        for method in methods:
            carried = any(kind in METHOD_KINDS[method] for kind in channels.values())
            if carried or method in noted:
                continue
            noted.add(method)
            kinds = " or ".join(METHOD_KINDS[method])
            notes.append(
                Issue(
                    (*_HERE, "methods", level),
                    method,
                    f"no channel carries {method}, so it is skipped (add a channel of kind "
                    f"{kinds})",
                )
            )
    return notes


def _via(spec: PolicySpec) -> list[Issue]:
    kinds = {c.name: c.kind for c in spec.channels}
    issues = []
    for method, name in spec.notifications.via.items():
        fitting = [n for n, kind in kinds.items() if kind in METHOD_KINDS[method]]
        if kinds.get(name) not in METHOD_KINDS[method]:
            issues.append(
                Issue(
                    (*_HERE, "via", method),
                    name,
                    f"{name!r} is not a channel that carries {method} "
                    f"(allowed: {choices(fitting)}, channels of kind "
                    f"{' or '.join(METHOD_KINDS[method])})",
                )
            )
    return issues


def _target_lists(spec: PolicySpec) -> list[tuple[Loc, list[str]]]:
    n = spec.notifications
    where: list[tuple[Loc, list[str]]] = [
        ((*_HERE, "on_declare"), n.on_declare),
        ((*_HERE, "on_resolve"), n.on_resolve),
    ]
    where += [
        ((*_HERE, "audiences", position, "notify"), a.notify)
        for position, a in enumerate(n.audiences)
    ]
    if n.reminders is not None:
        where += [
            ((*_HERE, "reminders", "notify"), n.reminders.notify),
            ((*_HERE, "reminders", "escalate_to"), n.reminders.escalate_to),
        ]
    return where


def _escalation_lists(spec: PolicySpec) -> Iterable[tuple[Loc, list[str]]]:
    rules = spec.escalation
    yield from (
        (("escalation", "levels", p, "notify"), level.notify)
        for p, level in enumerate(rules.levels)
    )
    yield from (
        (("escalation", "elapsed_notifications", p, "notify"), notice.notify)
        for p, notice in enumerate(rules.elapsed_notifications)
    )
    yield from (
        (("escalation", "paging_chains", p, "steps", i, "notify"), step.notify)
        for p, chain in enumerate(rules.paging_chains)
        for i, step in enumerate(chain.steps)
    )
    yield (("escalation", "on_breach", "notify"), rules.on_breach.notify)


def _templates(at: Loc, templates: Mapping[str, TemplateSpec]) -> list[Issue]:
    issues = []
    for name, template in templates.items():
        here: Loc = (*at, "templates", name)
        if name not in TEMPLATE_NAMES:
            issues.append(
                Issue(
                    here,
                    name,
                    f"unknown template {name!r} (allowed: {', '.join(TEMPLATE_NAMES)})",
                )
            )
            continue
        for part in TEMPLATE_PARTS:
            source = getattr(template, part)
            problem = check_template(part, source) if source is not None else None
            if problem is not None:
                where = f", its line {problem.line}" if problem.line else ""
                issues.append(
                    Issue(
                        (*here, part),
                        name,
                        f"template {name!r} {part}{where}: {problem.message}",
                    )
                )
    return issues
