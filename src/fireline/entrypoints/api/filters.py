"""Turning the listing's query string into an `IncidentQuery`, refusing what makes no sense.

A misspelt parameter or a value the policy does not know is an error (422), as an unknown
field in a body is: a filter that silently matches nothing, or is silently ignored, would
answer a question the caller did not ask.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from fireline.domain.access import Visibility
from fireline.domain.errors import InvalidInput, UnknownName
from fireline.domain.lifecycle import expand_status_filter
from fireline.domain.policy import Policy
from fireline.services.ports import IncidentQuery

PARAMETERS = (
    "status", "severity", "priority", "type", "service", "team", "reporter",
    "from", "until", "q", "order", "cursor", "limit",
)  # fmt: skip


def check_parameters(params: QueryParams) -> None:
    """Refuse unknown parameter names and values holding NUL characters."""
    for name, value in params.multi_items():
        if name not in PARAMETERS:
            raise InvalidInput(name, f"unknown query parameter; allowed: {', '.join(PARAMETERS)}")
        if "\x00" in value:
            raise InvalidInput(name, "must not contain NUL characters")


def split_values(values: list[str]) -> tuple[str, ...]:
    """Repeated and comma-separated values, flattened: ``a,b&x=c`` → (a, b, c)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def build_query(
    policy: Policy,
    *,
    actor: str,
    status: list[str],
    severity: list[int],
    priority: list[str],
    type_: list[str],
    service: list[str],
    team: list[str],
    reporter: str | None,
    declared_from: str | None,
    declared_until: str | None,
    q: str | None,
    oldest_first: bool,
    limit: int,
    visible_to: Visibility,
) -> IncidentQuery:
    """The query for these filters, checked against the policy in force.

    Raises InvalidInput (or UnknownName) naming the parameter for anything it cannot use.
    """
    try:
        statuses = expand_status_filter(list(split_values(status)))
    except ValueError as error:
        raise InvalidInput("status", str(error)) from None
    levels = [str(s.level) for s in policy.severities]
    for level in severity:
        if str(level) not in levels:
            raise UnknownName("severity", level, levels)
    priorities = split_values(priority)
    known_priorities = sorted(set(policy.priority_matrix.cells.values()))
    for name in priorities:
        if name not in known_priorities:
            raise UnknownName("priority", name, known_priorities)
    types = split_values(type_)
    for name in types:
        if name not in policy.type_names:
            raise UnknownName("type", name, policy.type_names)
    start = parse_instant("from", declared_from, policy.time_zone)
    end = parse_instant("until", declared_until, policy.time_zone)
    if start is not None and end is not None and start >= end:
        raise InvalidInput("until", "must be later than from")
    return IncidentQuery(
        statuses=tuple(statuses),
        severities=tuple(severity),
        priorities=priorities,
        types=types,
        services=split_values(service),
        teams=split_values(team),
        reporter=actor if reporter == "me" else reporter,
        declared_from=start,
        declared_until=end,
        text=q,
        oldest_first=oldest_first,
        limit=limit,
        visible_to=visible_to,
    )


def parse_instant(name: str, text: str | None, time_zone: str) -> datetime | None:
    """An ISO 8601 instant with an offset, or a bare date meaning its midnight in the policy's
    time zone (the zone incident IDs are dated in)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            instant = datetime.combine(date.fromisoformat(text), time(), ZoneInfo(time_zone))
        else:
            instant = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            name, f"{text[:40]!r} is not a date (2026-11-25) or a time with an offset"
        ) from None
    if instant.tzinfo is None:
        raise InvalidInput(name, "needs a time zone offset, e.g. 2026-11-25T10:00:00Z")
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(name, "is out of range") from None
