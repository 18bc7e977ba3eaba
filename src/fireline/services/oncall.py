"""Use cases for on-call schedules: who is on call, shifts and gaps, overrides.

Schedules are defined in the policy file (schedules as code) and follow the policy in force
now, not an incident's pinned version: who is on call is today's rota. Overrides made
through the API are stored and laid over the policy's own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fireline.domain import oncall
from fireline.domain.errors import Conflict, InvalidInput, NotFound
from fireline.domain.names import NameKind, NameReference
from fireline.domain.oncall import Override, Schedule, Shift
from fireline.domain.policy import Policy
from fireline.services.names import check_names
from fireline.services.oncall_ports import StoredOverride
from fireline.services.ports import Database, Store

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Instants outside these are refused: nobody plans on-call that far, and date arithmetic
near the ends of the calendar overflows."""


def check_instant(field: str, at: datetime) -> datetime:
    """`at`, or InvalidInput when it lies outside EARLIEST to LATEST."""
    if not EARLIEST <= at < LATEST:
        raise InvalidInput(field, f"{at.isoformat()} is out of range (allowed: 2000 to 2199)")
    return at


def live_schedules(store: Store, policy: Policy, now: datetime) -> dict[str, Schedule]:
    """The policy's schedules with the stored overrides that have not ended laid over them."""
    names = [schedule.name for schedule in policy.schedules]
    stored = store.list_overrides(names, ending_after=now - oncall.MAX_SPAN) if names else []
    return {
        schedule.name: replace(
            schedule,
            overrides=(
                *schedule.overrides,
                *(
                    Override(o.person, o.starts_at, o.ends_at)
                    for o in stored
                    if o.schedule == schedule.name
                ),
            ),
        )
        for schedule in policy.schedules
    }


def get_schedules(database: Database, policy: Policy, now: datetime) -> list[Schedule]:
    with database.transaction(write=False) as store:
        return list(live_schedules(store, policy, now).values())


def get_schedule(database: Database, policy: Policy, name: str, now: datetime) -> Schedule:
    """The schedule with its overrides; NotFound naming the schedules there are."""
    _defined(policy, name)
    with database.transaction(write=False) as store:
        return live_schedules(store, policy, now)[name]


def _defined(policy: Policy, name: str) -> Schedule:
    """The schedule as the policy defines it; NotFound naming the schedules there are."""
    schedule = policy.schedule(name)
    if schedule is None:
        known = (
            ", ".join(s.name for s in policy.schedules) or "none: the policy defines no schedules"
        )
        raise NotFound(f"no schedule {name[:80]!r} (there are: {known})")
    return schedule


def get_shifts(
    database: Database, policy: Policy, name: str, start: datetime, end: datetime, now: datetime
) -> list[Shift]:
    """Who is on call in [start, end), gaps included; InvalidInput for a bad range."""
    check_instant("from", start)
    check_instant("until", end)
    schedule = get_schedule(database, policy, name, now)
    try:
        return oncall.shifts(schedule, start, end)
    except ValueError as error:
        raise InvalidInput("until", str(error)) from None


def list_overrides(
    database: Database, policy: Policy, name: str, now: datetime
) -> list[StoredOverride]:
    get_schedule(database, policy, name, now)
    with database.transaction(write=False) as store:
        return store.list_overrides([name], ending_after=now)


def add_override(
    database: Database,
    policy: Policy,
    name: str,
    *,
    person: str,
    starts_at: datetime | None,
    ends_at: datetime,
    actor: str,
    now: datetime,
) -> StoredOverride:
    """Let `person` cover `name` from `starts_at` (None: from now) until `ends_at`; a start a
    few minutes ago counts as now (`oncall.override_window`).

    InvalidInput for a window that ends before it starts or lies in the past; UnknownName or
    DeactivatedPerson for a person who is not an active user; Conflict when it overlaps
    another override (stored, or in the policy file).
    """
    if starts_at is not None:
        check_instant("starts_at", starts_at)
    check_instant("ends_at", ends_at)
    starts_at, ends_at = oncall.override_window(starts_at, ends_at, now)
    for written in _defined(policy, name).overrides:
        if written.overlaps(starts_at, ends_at):
            raise Conflict(
                f"overlaps the policy file's override for {written.person} "
                f"({written.starts_at.isoformat()} to {written.ends_at.isoformat()})"
            )
    with database.transaction() as store:
        check_names(store, [NameReference("person", person, NameKind.PERSON)])
        for other in store.list_overrides([name], ending_after=now):
            if Override(other.person, other.starts_at, other.ends_at).overlaps(starts_at, ends_at):
                raise Conflict(
                    f"overlaps override {other.id} ({other.person}, "
                    f"{other.starts_at.isoformat()} to {other.ends_at.isoformat()})"
                )
        override = StoredOverride(0, name, person, starts_at, ends_at, actor, now)
        return replace(override, id=store.add_override(override))


def remove_override(
    database: Database, policy: Policy, name: str, override_id: int, now: datetime
) -> None:
    get_schedule(database, policy, name, now)
    with database.transaction() as store:
        if not store.remove_override(name, override_id):
            raise NotFound(f"schedule {name!r} has no override {override_id}")


def shifts_of_person(
    database: Database, policy: Policy, person: str, start: datetime, end: datetime, now: datetime
) -> list[tuple[str, Shift]]:
    """Every shift `person` has in [start, end), in any schedule, with the schedule's name;
    NotFound when there is no such user."""
    with database.transaction(write=False) as store:
        if store.get_user(person) is None:
            raise NotFound(f"no user {person[:80]!r}")
    found = [
        (schedule.name, shift)
        for schedule in get_schedules(database, policy, now)
        for shift in oncall.shifts(schedule, start, end)
        if shift.person == person
    ]
    return sorted(found, key=lambda pair: pair[1].starts_at)
