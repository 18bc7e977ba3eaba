"""Paging: PagerDuty-style chains, and backup contacts paged when the primary does not answer.

A chain pages its first step's targets at declaration, waits that step's `wait` for an
acknowledgement, pages the next step, and so on, the whole chain `repeat` times. Acknowledging
(or resolving) the incident stops it: pages due after that are not planned. A contact with a
backup (handbook 004) gets its backup paged when the incident is still unacknowledged
`backup_after` a timer reached the contact.

Pure: the caller passes the incident's course, its policy and the other timers planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fireline.domain.escalation_rules import PagingChain
from fireline.domain.policy import Policy
from fireline.domain.timers import Course, Timer, TimerKind, spelled


def plan_pages(course: Course, policy: Policy) -> list[Timer]:
    """Every page of every chain that applies to the incident, until it is acknowledged."""
    pages: list[Timer] = []
    for chain in policy.escalation.chains:
        if course.severity in chain.severities and _applies(chain, policy, course):
            pages += _chain_pages(chain, course)
    return pages


def _chain_pages(chain: PagingChain, course: Course) -> list[Timer]:
    stop = _answered_at(course)
    pages: list[Timer] = []
    offset = timedelta(0)
    for round_number in range(chain.repeat):
        for position, step in enumerate(chain.steps):
            due = course.declared_at + offset
            offset += timedelta(seconds=step.wait.seconds)
            if stop is not None and due >= stop:
                return pages
            targets = step.targets
            if step.round_robin:
                targets = (targets[round_number % len(targets)],)
            last = round_number == chain.repeat - 1 and position == len(chain.steps) - 1
            wait = spelled(timedelta(seconds=step.wait.seconds))
            after = "the chain's last page" if last else f"next step after {wait}"
            pages.append(
                Timer(
                    f"page:{chain.name}:{round_number + 1}:{position + 1}",
                    TimerKind.PAGE,
                    due,
                    targets=targets,
                    note=f"Page {', '.join(targets)} ({chain.name}, round "
                    f"{round_number + 1} of {chain.repeat}, step {position + 1}); {after} "
                    "without acknowledgement",
                )
            )
    return pages


def plan_backups(course: Course, policy: Policy, timers: Sequence[Timer]) -> list[Timer]:
    """A page to each backup contact whose primary was reached and did not answer in time."""
    stop = _answered_at(course)
    backups = []
    for timer in timers:
        for target in timer.targets:
            kind, _, name = target.partition(":")
            contact = policy.contact(name) if kind == "contact" else None
            if contact is None or contact.backup is None or contact.backup_after is None:
                continue
            due = timer.due_at + timedelta(seconds=contact.backup_after.seconds)
            if stop is not None and due >= stop:
                continue
            wait = spelled(timedelta(seconds=contact.backup_after.seconds))
            backups.append(
                Timer(
                    f"backup:{timer.key}:{name}",
                    TimerKind.PAGE,
                    due,
                    targets=(f"user:{contact.backup}",),
                    note=f"Page {contact.label}'s backup {contact.backup}: not acknowledged "
                    f"{wait} after {timer.kind.value} reached {target}",
                )
            )
    return backups


def _answered_at(course: Course) -> datetime | None:
    answers = [moment for moment in (course.acknowledged_at, course.resolved_at) if moment]
    return min(answers) if answers else None


def _applies(chain: PagingChain, policy: Policy, course: Course) -> bool:
    """A chain with windows applies to incidents declared within one of them."""
    if not chain.when:
        return True
    local = course.declared_at.astimezone(ZoneInfo(policy.time_zone))
    return any(window.covers(local) for window in chain.when)
