"""The incident lifecycle: statuses and the transitions between them.

``open → investigating → identified → monitoring → resolved → closed``; working statuses may
move among themselves (a fix that did not hold goes back to investigating); ``waiting_for_info``
and ``on_hold`` pause any active status and return only to where it was; ``resolved`` may be
reopened to ``investigating``; ``closed`` is final.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    WAITING_FOR_INFO = "waiting_for_info"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


WORKING = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)
"""The statuses that the ``in_progress`` filter alias stands for."""
ACTIVE = (Status.OPEN, *WORKING)
PAUSED = (Status.WAITING_FOR_INFO, Status.ON_HOLD)
IN_PROGRESS_ALIAS = "in_progress"

_FORWARD: dict[Status, tuple[Status, ...]] = {
    Status.OPEN: (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED),
    Status.INVESTIGATING: (Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED),
    Status.IDENTIFIED: (Status.INVESTIGATING, Status.MONITORING, Status.RESOLVED),
    Status.MONITORING: (Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED, Status.INVESTIGATING),
    Status.CLOSED: (),
}


def allowed_transitions(current: Status, resume_status: Status | None) -> tuple[Status, ...]:
    """Every status an incident in `current` may move to.

    `resume_status` is where a paused incident came from: the only way out of a pause.
    """
    if current in PAUSED:
        return (resume_status,) if resume_status is not None else (Status.INVESTIGATING,)
    if current in ACTIVE:
        return (*_FORWARD[current], *PAUSED)
    return _FORWARD[current]


def expand_status_filter(names: list[str]) -> list[Status]:
    """Statuses for a filter, with ``in_progress`` standing for the working ones.

    Raises ValueError naming the allowed values for an unknown name.
    """
    statuses: list[Status] = []
    for name in names:
        if name == IN_PROGRESS_ALIAS:
            statuses.extend(WORKING)
        elif name in Status.__members__.values():
            statuses.append(Status(name))
        else:
            allowed = ", ".join([*(s.value for s in Status), IN_PROGRESS_ALIAS])
            raise ValueError(f"unknown status {name!r}; allowed: {allowed}")
    return list(dict.fromkeys(statuses))
