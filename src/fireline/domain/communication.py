"""Stakeholder communication as timers: the initial notification, update reminders, the
resolution notice (handbooks 002 step 8 and 004 §5).

- At declaration the policy's `on_declare` targets get the initial notification.
- Each audience with a cadence for the incident's severity is due an update `every` so
  long, counted from declaration or from the last update it got. When one is due, the
  reminder goes to `reminders.notify` (the communications lead); if no update has gone to
  that audience `overdue_after` the reminder, `reminders.escalate_to` hears of it.
- At resolution, `on_resolve` and every audience with a cadence get the resolution notice.

Only the next reminder of each audience is planned: when it fires the worker plans the
incident again, and the reminder it just fired moves the cadence on (`CadenceMark`).
`unroll_cadence` does the same in memory for `policy simulate`.

Pure: the caller passes the incident's course and its pinned policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from fireline.domain.calendars import add_working_time, calendar_of
from fireline.domain.errors import InvalidInput
from fireline.domain.firing import describe_reach
from fireline.domain.notifications import Audience
from fireline.domain.policy import Policy
from fireline.domain.recipients import Reach
from fireline.domain.templating import PostedUpdate
from fireline.domain.timeline import TimelineEvent
from fireline.domain.timers import CadenceMark, Course, Timer, TimerKind, spelled

TEMPLATE_OF = {
    TimerKind.INITIAL_NOTICE: "initial",
    TimerKind.ESCALATION: "page",
    TimerKind.PAGE: "page",
    TimerKind.NOTIFY: "notice",
    TimerKind.CONTACT_OVERDUE: "notice",
    TimerKind.UPDATE_DUE: "reminder",
    TimerKind.UPDATE_OVERDUE: "reminder",
    TimerKind.RESOLUTION_NOTICE: "resolution",
}
"""The template that words what each kind of timer tells people (kinds that tell nobody
are absent)."""
PAGING_KINDS = (TimerKind.INITIAL_NOTICE, TimerKind.ESCALATION, TimerKind.PAGE)
"""Timers whose messages ask for an acknowledgement: personal rules' delays apply, and
deliveries still waiting when the incident is acknowledged are not sent."""


def template_of(timer: Timer) -> str | None:
    """The template that words what `timer` tells people; None for kinds that tell nobody.
    A missed response target pages (nobody has answered); a missed resolution target is news
    to people who are already working the incident."""
    if timer.kind is TimerKind.SLA_BREACH:
        return "page" if timer.clock == "response" else "notice"
    return TEMPLATE_OF.get(timer.kind)


def is_paging(timer: Timer) -> bool:
    """Whether `timer`'s message asks for an acknowledgement (see PAGING_KINDS)."""
    return template_of(timer) == "page" or timer.kind in PAGING_KINDS


def plan_communication(course: Course, policy: Policy) -> list[Timer]:
    """The initial notification, each audience's next update reminder (and the overdue
    escalation of the last one), and the resolution notice once resolved."""
    rules = policy.notifications
    timers = []
    if rules.on_declare:
        timers.append(
            Timer(
                "initial_notice",
                TimerKind.INITIAL_NOTICE,
                course.declared_at,
                targets=rules.on_declare,
                note=f"Initial notification of a Sev-{course.severity} incident",
            )
        )
    resolved = course.resolved_at
    for audience in rules.audiences_with_cadence(course.severity):
        timers += _cadence(course, policy, audience, resolved)
    if resolved is not None:
        targets = (
            *rules.on_resolve,
            *(f"audience:{a.name}" for a in rules.audiences_with_cadence(course.severity)),
        )
        if targets:
            timers.append(
                Timer(
                    f"resolution_notice:{resolved.isoformat()}",
                    TimerKind.RESOLUTION_NOTICE,
                    resolved,
                    targets=tuple(dict.fromkeys(targets)),
                    note="Resolution notice",
                )
            )
    return timers


def next_update_due(course: Course, policy: Policy, audience: Audience) -> datetime | None:
    """When `audience` is next due an update (None: it has no cadence for the incident's
    severity, or the incident is resolved)."""
    updates = audience.updates
    if updates is None or course.severity not in updates.severities or course.resolved_at:
        return None
    return _next_due(course, policy, audience)


def audience_of(timer: Timer) -> str | None:
    """The audience a reminder is about (its key is ``update_due:AUDIENCE:…``)."""
    if timer.kind not in (TimerKind.UPDATE_DUE, TimerKind.UPDATE_OVERDUE):
        return None
    return timer.key.split(":", 2)[1]


def unroll_cadence(
    course: Course, policy: Policy, until: datetime, plan: Callable[[Course], list[Timer]]
) -> list[Timer]:
    """Every timer `plan` gives up to `until`, firing reminders as the worker does: each
    moves its audience's cadence on, and an overdue escalation fires only if it comes
    before the audience's next reminder (no update is ever posted)."""
    cadence_kinds = (TimerKind.UPDATE_DUE, TimerKind.UPDATE_OVERDUE)
    fired: dict[str, Timer] = {}
    while True:
        timers = plan(course)
        due = [
            t
            for t in timers
            if t.kind in cadence_kinds and t.key not in fired and t.due_at <= until
        ]
        if not due:
            rest = [t for t in timers if t.key not in fired]
            return sorted([*fired.values(), *rest], key=lambda t: t.due_at)
        first = min(due, key=lambda t: (t.due_at, t.kind is TimerKind.UPDATE_DUE))
        fired[first.key] = first
        name = audience_of(first)
        if first.kind is TimerKind.UPDATE_DUE and name is not None:
            mark = course.cadence.get(name, CadenceMark())
            marks = {**course.cadence, name: replace(mark, last_reminder=first.due_at)}
            course = replace(course, cadence=marks)


def _next_due(course: Course, policy: Policy, audience: Audience) -> datetime:
    assert audience.updates is not None
    mark = course.cadence.get(audience.name, CadenceMark())
    base = max(m for m in (course.declared_at, mark.last_update, mark.last_reminder) if m)
    every = audience.updates.every
    return add_working_time(calendar_of(policy, every.calendar), base, every.seconds)


def _cadence(
    course: Course, policy: Policy, audience: Audience, resolved: datetime | None
) -> list[Timer]:
    assert audience.updates is not None
    reminders = policy.notifications.reminders
    every = spelled(timedelta(seconds=audience.updates.every.seconds))
    timers = []
    due = _next_due(course, policy, audience)
    if resolved is None or due < resolved:
        what = f": {audience.content}" if audience.content else ""
        timers.append(
            Timer(
                f"update_due:{audience.name}:{due.isoformat()}",
                TimerKind.UPDATE_DUE,
                due,
                targets=reminders.notify if reminders else (),
                note=f"Update due for {audience.label} (every {every}){what}",
            )
        )
    mark = course.cadence.get(audience.name, CadenceMark())
    reminded = mark.last_reminder
    if reminders is None or not reminders.escalate_to or reminded is None:
        return timers
    if mark.last_update is not None and mark.last_update >= reminded:
        return timers
    wait = reminders.overdue_after
    overdue = add_working_time(calendar_of(policy, wait.calendar), reminded, wait.seconds)
    if resolved is None or overdue < resolved:
        timers.append(
            Timer(
                f"update_overdue:{audience.name}:{reminded.isoformat()}",
                TimerKind.UPDATE_OVERDUE,
                overdue,
                targets=reminders.escalate_to,
                note=f"Update for {audience.label} overdue: due "
                f"{reminded.strftime('%H:%M')}, none sent within "
                f"{spelled(timedelta(seconds=wait.seconds))}",
            )
        )
    return timers


UPDATE_POSTED = "update_posted"
"""The timeline kind of a stakeholder update; its `after` lists the audiences it went to."""
MAX_UPDATE = 5_000


def audiences_due(course: Course, policy: Policy) -> list[Audience]:
    """The audiences whose update is due now: reminded, and no update since."""
    due = []
    for audience in policy.notifications.audiences_with_cadence(course.severity):
        mark = course.cadence.get(audience.name, CadenceMark())
        if mark.last_reminder is not None and (
            mark.last_update is None or mark.last_update < mark.last_reminder
        ):
            due.append(audience)
    return due


def check_update(update: PostedUpdate) -> PostedUpdate:
    """The update, or InvalidInput for an empty or overlong part."""
    if not update.message.strip():
        raise InvalidInput("message", "must say something (what we learned or did)")
    for name in ("message", "impact", "next_steps"):
        value = getattr(update, name)
        if len(value) > MAX_UPDATE or "\x00" in value:
            raise InvalidInput(name, f"at most {MAX_UPDATE} characters, no NUL")
    return update


def update_posted_event(
    update: PostedUpdate,
    audiences: Sequence[Audience],
    *,
    now: datetime,
    reached: Reach,
    notification: str,
    request_hash: str | None = None,
) -> TimelineEvent:
    """ "Update to Executive Team, Customer Support: rolled back the deploy" """
    labels = ", ".join(a.label for a in audiences)
    first_line = update.message.strip().splitlines()[0][:200]
    return TimelineEvent(
        kind=UPDATE_POSTED,
        at=now,
        actor=update.author,
        summary=f"Update to {labels}: {first_line}" + describe_reach(reached),
        after={
            "audiences": [a.name for a in audiences],
            "message": update.message,
            "impact": update.impact,
            "next_steps": update.next_steps,
            "deliveries": len(reached.deliveries),
            "unreached": list(reached.unreached),
            "notification": notification,
            "request_hash": request_hash,
        },
    )
