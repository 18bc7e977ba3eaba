"""Use cases for incidents: declare, read, list, change, acknowledge, comment, assign roles.

Every use case on an existing incident takes the `visibility`'s `Visibility`, and an incident
they may not see raises NotFound exactly as a missing one does (see `load_visible`). The
visibility is also the actor the timeline records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from fireline.domain import editing, restriction
from fireline.domain import incident as rules
from fireline.domain.access import Visibility, can_see
from fireline.domain.clocks import Clock, incident_spans, read_clocks
from fireline.domain.errors import Conflict, FirelineError, NotFound
from fireline.domain.identifiers import declaration_day, format_incident_id, is_incident_id
from fireline.domain.incident import Draft, Incident
from fireline.domain.lifecycle import Status
from fireline.domain.names import (
    NameKind,
    NameReference,
    references_of_draft,
    references_of_edit,
)
from fireline.domain.timeline import TimelineEvent
from fireline.services.access_ports import AccessGrant
from fireline.services.names import check_names, refusals_of
from fireline.services.policies import PolicyBook
from fireline.services.ports import (
    Database,
    DuplicateKey,
    IdempotencyRecord,
    IncidentQuery,
    RecordedEvent,
    RoleAssignment,
    Store,
)
from fireline.services.timer_ports import StoredTimer
from fireline.services.timers import plan_new_incidents, record_change

IDEMPOTENCY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class IdempotencyRequest:
    """An `Idempotency-Key` and a digest of the request body it came with."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class Declared:
    """The declared incident; `is_replay` when an earlier request with the same key made it."""

    incident: Incident
    is_replay: bool


def declare_incident(
    database: Database,
    policies: PolicyBook,
    draft: Draft,
    *,
    now: datetime,
    idempotency: IdempotencyRequest | None = None,
    visibility: Visibility | None = None,
) -> Declared:
    """Declare an incident under the current policy, with its ID and first timeline events.

    With `idempotency`, the same key and body within 24 h return the first incident instead
    of declaring a second (as it is now, so only if `visibility` may still see it; NotFound
    otherwise); the same key with another body raises Conflict. Bad input raises
    before a number is taken, so it consumes no ID.
    """
    for attempt in range(2):
        try:
            with database.transaction() as store:
                if idempotency is not None:
                    replay = _replay(store, idempotency, now, visibility)
                    if replay is not None:
                        return Declared(replay, is_replay=True)
                incident = _declare(store, policies, draft, now, idempotency)
                return Declared(incident, is_replay=False)
        except DuplicateKey:
            # Another request with the same key committed between our check and our insert;
            # the second pass finds its record and replays it.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _declare(
    store: Store,
    policies: PolicyBook,
    draft: Draft,
    now: datetime,
    idempotency: IdempotencyRequest | None,
) -> Incident:
    (result,) = _declare_all(store, policies, [(draft, now)])
    if isinstance(result, FirelineError):
        raise result
    if idempotency is not None:
        store.remember_idempotency_key(
            IdempotencyRecord(idempotency.key, idempotency.request_hash, result.id, now),
            expired_before=now - IDEMPOTENCY_WINDOW,
        )
    return result


def declare_incidents(
    database: Database, policies: PolicyBook, requests: Sequence[tuple[Draft, datetime]]
) -> list[Incident | FirelineError]:
    """Declare several incidents in one transaction, each as `declare_incident` would.

    The result at each position is the declared incident, or the rule violation that refused
    that draft (refused drafts take no number and write nothing). One transaction for many
    declarations is what lets a busy server keep up: its cost is paid once per batch.
    """
    with database.transaction() as store:
        return _declare_all(store, policies, requests)


def _declare_all(
    store: Store, policies: PolicyBook, requests: Sequence[tuple[Draft, datetime]]
) -> list[Incident | FirelineError]:
    """Check every draft, number those that pass, and store them with their first events."""
    policy = policies.current
    service_tiers = store.service_tiers(
        sorted({n for draft, _ in requests for n in draft.services})
    )
    refusals = refusals_of(store, [references_of_draft(draft) for draft, _ in requests])
    results: list[Incident | FirelineError] = []
    accepted: list[tuple[int, Incident, list[TimelineEvent]]] = []
    for position, (draft, now) in enumerate(requests):
        names_nothing = refusals[position]
        if names_nothing is not None:
            results.append(names_nothing)
            continue
        try:
            incident, events = rules.declare_incident(
                draft,
                incident_id=rules.PENDING_ID,
                policy=policy,
                policy_version=policies.current_version,
                service_tiers=service_tiers,
                now=now,
            )
        except FirelineError as refusal:
            results.append(refusal)
            continue
        results.append(incident)
        accepted.append((position, incident, events))
    # Only drafts that passed every check take numbers: per declaration day, in the order
    # the requests arrived.
    days: dict[date, list[int]] = {}
    for index, (_, incident, _) in enumerate(accepted):
        days.setdefault(declaration_day(incident.declared_at, policy.time_zone), []).append(index)
    for day, indexes in days.items():
        first = store.next_incident_sequence(day, len(indexes))
        for offset, index in enumerate(indexes):
            position, incident, events = accepted[index]
            numbered = replace(incident, id=format_incident_id(day, first + offset))
            accepted[index] = (position, numbered, events)
            results[position] = numbered
    store.add_incidents([incident for _, incident, _ in accepted])
    if accepted:
        latest = max(now for _, now in requests)
        plan_new_incidents(store, policies, [incident for _, incident, _ in accepted], latest)
    for position, incident, events in accepted:
        draft, now = requests[position]
        declarer = draft.declared_by
        if incident.is_restricted and declarer not in (None, incident.reporter):
            # Whoever files a restricted incident for someone else keeps sight of it, as
            # whoever restricts one does (fireline.services.restriction).
            store.add_access(incident.id, AccessGrant(declarer, declarer, now))
            events += restriction.grant_access(
                incident, declarer, already=False, actor=declarer, now=now
            )
    store.append_timelines([(incident.id, events) for _, incident, events in accepted])
    return results


def _replay(
    store: Store, idempotency: IdempotencyRequest, now: datetime, visibility: Visibility | None
) -> Incident | None:
    record = store.find_idempotency_key(idempotency.key)
    if record is None or record.created_at < now - IDEMPOTENCY_WINDOW:
        return None
    if record.request_hash != idempotency.request_hash:
        raise Conflict(
            f"Idempotency-Key {idempotency.key!r} was already used with a different request body"
        )
    if visibility is not None:
        return load_visible(store, record.incident_id, visibility)
    incident = store.get_incident(record.incident_id)
    if incident is None:
        raise NotFound("the incident made with this Idempotency-Key no longer exists")
    return incident


def get_incident(database: Database, incident_id: str, visibility: Visibility) -> Incident:
    """The incident; NotFound when there is none with that ID that the visibility may see."""
    with database.transaction(write=False) as store:
        return load_visible(store, incident_id, visibility)


def list_incidents(database: Database, query: IncidentQuery) -> list[Incident]:
    """Incidents matching `query`, newest first unless it asks otherwise.

    Raises InvalidInput for a service filter naming a service the catalog does not have.
    """
    with database.transaction(write=False) as store:
        check_names(
            store, [NameReference("service", name, NameKind.SERVICE) for name in query.services]
        )
        return store.list_incidents(query)


def get_timeline(
    database: Database, incident_id: str, visibility: Visibility
) -> list[RecordedEvent]:
    """Every timeline event of the incident, oldest first; NotFound for an unknown incident."""
    with database.transaction(write=False) as store:
        load_visible(store, incident_id, visibility)
        return store.list_timeline(incident_id)


def get_clocks(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    visibility: Visibility,
    *,
    now: datetime,
) -> tuple[Clock, Clock]:
    """The incident's response and resolution clocks at `now`, from its status history."""
    with database.transaction(write=False) as store:
        incident = load_visible(store, incident_id, visibility)
        events = store.list_timeline(incident_id)
    changes = [
        (recorded.event.at, Status(str(recorded.event.after)))
        for recorded in events
        if recorded.event.kind == "status_changed"
    ]
    policy = policies.get(incident.policy_version)
    return read_clocks(incident, incident_spans(incident, changes, policy), policy, now)


def list_timers(database: Database, incident_id: str, visibility: Visibility) -> list[StoredTimer]:
    """The incident's timers, fired and planned, in due order."""
    with database.transaction(write=False) as store:
        load_visible(store, incident_id, visibility)
        return store.list_timers(incident_id)


def get_roles(
    database: Database, incident_id: str, visibility: Visibility
) -> tuple[dict[str, str], list[RoleAssignment]]:
    """Current role holders and the full assignment history of the incident."""
    with database.transaction(write=False) as store:
        load_visible(store, incident_id, visibility)
        return store.role_holders(incident_id), store.role_history(incident_id)


def update_incident(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    changes: Mapping[str, object],
    *,
    reason: str | None,
    visibility: Visibility,
    now: datetime,
) -> Incident:
    """Change fields; classification is re-derived under the incident's own policy version."""
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        check_names(store, references_of_edit(incident, changes))
        actor = visibility.user
        services = changes.get("services", incident.services)
        names = [str(name) for name in services] if isinstance(services, list | tuple) else []
        updated, events = editing.update_incident(
            incident,
            changes,
            reason=reason,
            # Classification follows the incident's own version; who may see it follows the
            # policy in force now, as everywhere else.
            policy=replace(policies.get(incident.policy_version), access=policies.current.access),
            service_tiers=store.service_tiers(names),
            actor=actor,
            now=now,
        )
        if events:
            record_change(store, policies, updated, events, now)
        return updated


def load_visible(
    store: Store, incident_id: str, visibility: Visibility, *, for_update: bool = False
) -> Incident:
    """The incident if `visibility` may see it; otherwise NotFound, worded as for a missing one."""
    incident = _load(store, incident_id, for_update=for_update)
    if _sees(store, incident, visibility):
        return incident
    raise NotFound(f"no incident {incident_id!r}")


def visible_ids(store: Store, incident_ids: set[str], visibility: Visibility) -> set[str]:
    """Which of `incident_ids` exist for `visibility` (the rule of `load_visible`)."""
    found = store.get_incidents(sorted(incident_ids))
    return {incident.id for incident in found.values() if _sees(store, incident, visibility)}


def _sees(store: Store, incident: Incident, visibility: Visibility) -> bool:
    """`can_see`, asking the store whether the caller was added by name only when the rule
    alone says no (a restricted incident they did not report)."""
    return (
        visibility.sees_everything
        or can_see(
            visibility,
            is_restricted=incident.is_restricted,
            reporter=incident.reporter,
            is_granted=False,
        )
        or store.has_access(incident.id, visibility.user)
    )


def _load(store: Store, incident_id: str, *, for_update: bool = False) -> Incident:
    # A malformed ID names no incident; answering without asking the database also keeps
    # arbitrary path text (NUL characters, megabytes) away from it.
    if not is_incident_id(incident_id):
        raise NotFound(f"no incident {incident_id[:80]!r}")
    incident = store.get_incident(incident_id, for_update=for_update)
    if incident is None:
        raise NotFound(f"no incident {incident_id!r}")
    return incident
