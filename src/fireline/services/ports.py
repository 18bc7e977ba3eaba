"""What the use cases need from the outside world, as protocols the adapters implement.

A `Database` hands out `Store`s, each one transaction: everything a use case writes inside
`with database.transaction() as store:` commits together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from fireline.domain.access import Visibility
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status
from fireline.domain.policy import Service
from fireline.domain.timeline import TimelineEvent
from fireline.services.access_ports import AccessStore
from fireline.services.delivery_ports import DeliveryStore
from fireline.services.heartbeat_ports import HeartbeatStore
from fireline.services.oncall_ports import OnCallStore
from fireline.services.timer_ports import TimerStore


@dataclass(frozen=True)
class CatalogEntry:
    """A service in the catalog; `is_from_policy` when the policy file defines (and owns) it."""

    service: Service
    is_from_policy: bool


@dataclass(frozen=True)
class RecordedEvent:
    """A timeline event as stored: `seq` orders events across the whole timeline table."""

    seq: int
    incident_id: str
    event: TimelineEvent


@dataclass(frozen=True)
class RoleAssignment:
    """Who held a role on an incident, from when until when (`until` None: still holds it)."""

    role: str
    person: str
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class Position:
    """Where a page of incidents ended: its last incident (listing follows declaration order)."""

    declared_at: datetime
    incident_id: str


@dataclass(frozen=True)
class IncidentQuery:
    """Filters for listing incidents; empty tuples and None mean "any".

    `text` matches incidents whose title or description contains every word of it (each
    word as a word prefix, case-insensitive); blank text is no filter, and text of only
    non-word characters matches nothing. `after` continues a listing past a position.
    """

    statuses: tuple[Status, ...] = ()
    severities: tuple[int, ...] = ()
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    reporter: str | None = None
    declared_from: datetime | None = None
    declared_until: datetime | None = None
    text: str | None = None
    oldest_first: bool = False
    after: Position | None = None
    limit: int = 50
    visible_to: Visibility | None = None
    """Only incidents this caller may see (None: all, for the system's own use)."""


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    request_hash: str
    incident_id: str
    created_at: datetime


@dataclass(frozen=True)
class PolicyRecord:
    version: int
    name: str
    digest: str
    document: str
    recorded_at: datetime


class DuplicateKey(Exception):
    """A unique name or key is already taken (a service name, an idempotency key)."""


class Store(AccessStore, TimerStore, OnCallStore, DeliveryStore, HeartbeatStore, Protocol):
    """Reads and writes inside one transaction."""

    def next_incident_sequence(self, day: date, count: int = 1) -> int:
        """The first of the next `count` numbers for incidents declared on `day` (1 for the
        day's first incident); the `count` numbers from it on are this caller's.

        Never the same number twice, however many processes ask at the same moment. An
        adapter may take it outside this transaction so that no declaration holds the day's
        counter while it writes; a number whose transaction then fails is skipped, never
        reused.
        """
        ...

    def add_incident(self, incident: Incident) -> None: ...

    def add_incidents(self, batch: Sequence[Incident]) -> None:
        """Add several incidents at once (cheaper per incident than one by one)."""
        ...

    def get_incident(self, incident_id: str, *, for_update: bool = False) -> Incident | None:
        """The incident, or None; `for_update` locks it until the transaction ends."""
        ...

    def get_incidents(self, ids: Sequence[str]) -> dict[str, Incident]:
        """The incidents among `ids`, by ID."""
        ...

    def save_incident(self, incident: Incident) -> None:
        """Overwrite the stored incident's fields (its id never changes)."""
        ...

    def append_events(self, incident_id: str, events: Sequence[TimelineEvent]) -> None: ...

    def append_timelines(self, entries: Sequence[tuple[str, Sequence[TimelineEvent]]]) -> None:
        """Append the events of several incidents at once: (incident ID, events) pairs."""
        ...

    def list_timeline(self, incident_id: str) -> list[RecordedEvent]:
        """Every event of the incident, oldest first."""
        ...

    def count_incidents(self) -> int: ...

    def count_events(self) -> int: ...

    def list_incidents(self, query: IncidentQuery) -> list[Incident]:
        """Up to `query.limit` incidents matching the query, in the query's order."""
        ...

    def role_holders(self, incident_id: str) -> dict[str, str]:
        """role → person for the roles currently held on the incident."""
        ...

    def role_holders_of(self, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """incident ID → role → person, for the roles held now on each incident."""
        ...

    def role_history(self, incident_id: str) -> list[RoleAssignment]:
        """Every assignment of every role on the incident, oldest first."""
        ...

    def set_role_holder(
        self, incident_id: str, role: str, person: str | None, now: datetime
    ) -> None:
        """End the current holder's assignment (if any) and start `person`'s (if not None)."""
        ...

    def service_tiers(self, names: Sequence[str]) -> dict[str, str]:
        """name → criticality tier for those of `names` that are in the catalog."""
        ...

    def list_services(self) -> list[CatalogEntry]: ...

    def get_service(self, name: str) -> CatalogEntry | None: ...

    def add_service(self, entry: CatalogEntry) -> None:
        """Raises DuplicateKey when a service of that name exists."""
        ...

    def save_service(self, entry: CatalogEntry) -> None: ...

    def record_policy(self, name: str, digest: str, document: str, now: datetime) -> int:
        """The version number of this policy document, recording it as new when unseen."""
        ...

    def get_policy(self, version: int) -> PolicyRecord | None: ...

    def find_idempotency_key(self, key: str) -> IdempotencyRecord | None: ...

    def remember_idempotency_key(
        self, record: IdempotencyRecord, *, expired_before: datetime
    ) -> None:
        """Store the key, replacing a record of the same key created before `expired_before`.

        Raises DuplicateKey when the key is held by a live record (or a concurrent transaction).
        """
        ...

    def instance_secret(self) -> bytes:
        """A random secret made once per installation (signs cursors); same in every process."""
        ...


class Database(Protocol):
    """Where everything is kept; each use case works in one of its transactions."""

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Store]:
        """A new transaction; commits when the block ends normally, rolls back on error.

        `write=False` promises the block only reads, so it need not wait for writers.
        """
        ...
