"""Checking the names a write refers to, for every use case that writes one.

The rule is `fireline.domain.names.refused_names`; this module loads what exists of the
names referred to (one query per kind, however many names: a batch of declarations is
checked at once) and raises or returns what the rule refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from fireline.domain.catalog import SERVICE_NAME
from fireline.domain.errors import FirelineError
from fireline.domain.names import KnownNames, NameKind, NameReference, refused_names
from fireline.domain.people import Team, User, is_handle


class NameStore(Protocol):
    """What checking names reads (a `Store` is one)."""

    def get_users(self, names: Sequence[str]) -> dict[str, User]: ...

    def get_teams(self, names: Sequence[str]) -> dict[str, Team]: ...

    def service_tiers(self, names: Sequence[str]) -> dict[str, str]: ...


def check_names(
    store: NameStore, references: Sequence[NameReference], *, roles: Sequence[str] = ()
) -> None:
    """Raise the first refusal of `refused_names` (NotFound, UnknownName or
    DeactivatedPerson); return quietly when every name exists. `roles` are the policy's."""
    for refusal in refused_names(references, load_known_names(store, references, roles=roles)):
        raise refusal


def load_known_names(
    store: NameStore, references: Iterable[NameReference], *, roles: Sequence[str] = ()
) -> KnownNames:
    """What exists of the names `references` mention. Names that break the naming rules
    (people and teams are handles; services, catalog names) cannot exist and are not
    looked up, so arbitrary text never reaches the database."""
    wanted: dict[NameKind, set[str]] = {kind: set() for kind in NameKind}
    for reference in references:
        wanted[reference.kind].add(reference.name)
    people = sorted(name for name in wanted[NameKind.PERSON] if is_handle(name))
    teams = sorted(name for name in wanted[NameKind.TEAM] if is_handle(name))
    services = sorted(name for name in wanted[NameKind.SERVICE] if SERVICE_NAME.match(name))
    return KnownNames(
        people={user.name: user.is_active for user in store.get_users(people).values()},
        teams=frozenset(store.get_teams(teams)),
        services=frozenset(store.service_tiers(services)),
        roles=tuple(roles),
    )


def refusals_of(
    store: NameStore, requests: Sequence[Sequence[NameReference]]
) -> list[FirelineError | None]:
    """For several requests checked together, each one's first refusal (None: it names
    only what exists), with what exists loaded once for all of them."""
    known = load_known_names(store, [reference for request in requests for reference in request])
    return [next(iter(refused_names(request, known)), None) for request in requests]
