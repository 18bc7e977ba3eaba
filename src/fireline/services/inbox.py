"""Reading the console: a person's inbox, and the posts of a console room.

Messages reach the console through channels of kind `console` (see
`fireline.adapters.notifications.console`): a person's messages are deliveries by the
`console` method to their handle, a room's are posts to the channel itself. Reading them is
a query on the outbox; a room shows only what its reader may see of each incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from fireline.domain.access import Visibility
from fireline.domain.errors import NotFound
from fireline.domain.policy import Policy
from fireline.domain.recipients import ROOM
from fireline.services.delivery_ports import InboxMessage
from fireline.services.incidents import visible_ids
from fireline.services.ports import Database

CONSOLE = "console"
"""The channel kind (and method) of Fireline's own inbox."""
PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxPage:
    """One page of messages, newest first; `next_before` continues with older ones (None:
    this was the last page)."""

    messages: Sequence[InboxMessage]
    next_before: int | None


def _page(found: list[InboxMessage], shown: list[InboxMessage], limit: int) -> InboxPage:
    return InboxPage(shown, found[-1].id if len(found) == limit else None)


def _console_channels(policy: Policy) -> list[str]:
    return [c.name for c in policy.channels if c.kind == CONSOLE]


RESTRICTED = "A message about an incident you may not see"
"""What the inbox shows in place of a message about an incident its reader may not see: the
policy reached them (they are on call, say), but what the incident says stays with those who
may see it."""


def list_inbox(
    database: Database,
    policy: Policy,
    visibility: Visibility,
    *,
    before: int | None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """The messages Fireline sent to `visibility.user`'s console inbox, newest first (IDs
    below `before`, when given). A message about an incident they may not see (restricted,
    or their access was taken back) keeps its place but not its words (RESTRICTED)."""
    channels = _console_channels(policy)
    if not channels:
        return InboxPage([], None)
    with database.transaction(write=False) as store:
        found = store.inbox(
            method=CONSOLE, address=visibility.user, channels=channels, before=before, limit=limit
        )
        seen = visible_ids(store, {m.incident_id for m in found if m.incident_id}, visibility)
    shown = [
        m
        if m.incident_id is None or m.incident_id in seen
        else replace(m, subject=RESTRICTED, text=RESTRICTED)
        for m in found
    ]
    return _page(found, shown, limit)


def list_room(
    database: Database,
    policy: Policy,
    room: str,
    visibility: Visibility,
    *,
    before: int | None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """The posts to the console room `room` (a `channel:` target of a console channel),
    newest first, leaving out messages about incidents `visibility` may not see. NotFound
    for a name that is no console channel of the policy in force."""
    if room not in _console_channels(policy):
        rooms = ", ".join(_console_channels(policy)) or "none: the policy has no console channel"
        raise NotFound(f"no console room {room[:80]!r} (there are: {rooms})")
    with database.transaction(write=False) as store:
        found = store.inbox(method=ROOM, address="", channels=[room], before=before, limit=limit)
        seen = visible_ids(store, {m.incident_id for m in found if m.incident_id}, visibility)
    shown = [m for m in found if m.incident_id is None or m.incident_id in seen]
    return _page(found, shown, limit)
