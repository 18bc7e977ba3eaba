"""Use cases for the service catalog."""

from __future__ import annotations

from dataclasses import replace

from fireline.domain.catalog import SERVICE_NAME, check_service
from fireline.domain.errors import Conflict, InvalidInput, NotFound
from fireline.domain.names import NameKind, NameReference
from fireline.domain.policy import Policy, Service
from fireline.services.names import check_names
from fireline.services.ports import CatalogEntry, Database, DuplicateKey

EDITABLE = ("criticality", "team", "is_customer_facing", "description")


def list_services(database: Database) -> list[CatalogEntry]:
    """Every service in the catalog, by name."""
    with database.transaction(write=False) as store:
        return store.list_services()


def get_service(database: Database, name: str) -> CatalogEntry:
    """The catalog entry; NotFound when there is none."""
    if not SERVICE_NAME.fullmatch(name):
        raise NotFound(f"no service {name[:80]!r}")
    with database.transaction(write=False) as store:
        entry = store.get_service(name)
    if entry is None:
        raise NotFound(f"no service {name!r}")
    return entry


def create_service(database: Database, policy: Policy, service: Service) -> CatalogEntry:
    """Add a service to the catalog; Conflict when the name is taken, UnknownName when its
    team is not a team."""
    check_service(policy, service)
    entry = CatalogEntry(service, is_from_policy=False)
    try:
        with database.transaction() as store:
            check_names(store, _team_of(service))
            store.add_service(entry)
    except DuplicateKey:
        raise Conflict(f"a service named {service.name!r} already exists") from None
    return entry


def update_service(
    database: Database, policy: Policy, name: str, changes: dict[str, object]
) -> CatalogEntry:
    """Change fields of an API-managed service.

    Services from the policy file are changed in the file (Conflict here), so that the file
    stays the single source of truth for them.
    """
    if not SERVICE_NAME.fullmatch(name):
        raise NotFound(f"no service {name[:80]!r}")
    with database.transaction() as store:
        entry = store.get_service(name)
        if entry is None:
            raise NotFound(f"no service {name!r}")
        if entry.is_from_policy:
            raise Conflict(f"service {name!r} is defined in the policy file; change it there")
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidInput(unknown[0], f"is not editable; editable: {', '.join(EDITABLE)}")
        current = entry.service
        service = replace(
            current,
            criticality=str(changes.get("criticality") or current.criticality),
            team=team if isinstance(team := changes.get("team", current.team), str) else None,
            is_customer_facing=bool(changes.get("is_customer_facing", current.is_customer_facing)),
            description=str(changes.get("description") or current.description),
        )
        check_service(policy, service)
        if service.team != current.team:
            check_names(store, _team_of(service))
        updated = CatalogEntry(service, is_from_policy=False)
        store.save_service(updated)
        return updated


def _team_of(service: Service) -> list[NameReference]:
    """The team a service written through the API names, which must be a Fireline team.
    (Services from the policy file are the file's to name; see `sync_policy_services`.)"""
    if service.team is None:
        return []
    return [NameReference("team", service.team, NameKind.TEAM)]


def sync_policy_services(database: Database, policy: Policy) -> None:
    """Make the catalog hold every service of the policy file, as the file describes it."""
    with database.transaction() as store:
        for service in policy.services:
            entry = CatalogEntry(service, is_from_policy=True)
            existing = store.get_service(service.name)
            if existing is None:
                store.add_service(entry)
            elif existing != entry:
                store.save_service(entry)
