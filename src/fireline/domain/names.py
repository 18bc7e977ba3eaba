"""Names a write refers to: every person, team, service and role it names must exist.

One rule for every write (declaring, editing, incident roles, escalation, overrides, access
by name, team memberships, tokens, the catalog): a name that names nothing is refused, and
so is a deactivated person newly given something. A record that pointed at a name nobody
has would be a latent grant: whoever is created later with that name would inherit it (the
reporter of an incident sees it, restricted or not).

`refused_names` is the rule; the services load what exists (`fireline.services.names`) and
raise what it returns. Where the name was decides the answer: a name in the request's path
addresses something, and a missing one is NotFound, as for any path; a name in its body or
query is input, and a missing one is UnknownName (HTTP 422), naming the field and the value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from fireline.domain.errors import DeactivatedPerson, FirelineError, NotFound, UnknownName

if TYPE_CHECKING:
    from fireline.domain.incident import Draft, Incident


class NameKind(StrEnum):
    """What a name names. People and teams live in the database; services in the catalog;
    roles in the policy."""

    PERSON = "person"
    TEAM = "team"
    SERVICE = "service"
    ROLE = "role"


@dataclass(frozen=True)
class NameReference:
    """`name`, given as the request's `field`, which must name an existing `kind`."""

    field: str
    name: str
    kind: NameKind
    in_path: bool = False
    """The name addresses what the request acts on (`/teams/{name}`): NotFound if missing."""
    must_be_active: bool = True
    """A person newly given something (an incident, a role, a shift, a token, access) must
    be active; one only taken out of something (access revoked, a membership ended) need
    not be."""


@dataclass(frozen=True)
class KnownNames:
    """The names that exist, at least among those referred to; `people` maps each to
    whether they are active. `roles` are in the policy's order (they are listed in errors)."""

    people: Mapping[str, bool] = field(default_factory=dict)
    teams: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    roles: tuple[str, ...] = ()


def refused_names(references: Iterable[NameReference], known: KnownNames) -> list[FirelineError]:
    """One error per reference that names nothing, in the references' order (empty: all
    exist): NotFound for a name in the path, UnknownName for one in the body or query, and
    DeactivatedPerson for a deactivated person where `must_be_active`.

    People and teams are never listed in an error (the requester may not be allowed to see
    them); roles, from the policy, are.
    """
    refused: list[FirelineError] = []
    for reference in references:
        error = _refusal(reference, known)
        if error is not None:
            refused.append(error)
    return refused


def references_of_draft(draft: Draft) -> list[NameReference]:
    """The people, team and services a draft names, each of which must exist."""
    named = {"reporter": draft.reporter, "owner": draft.owner, "team": draft.team}
    services = [NameReference("services", name, NameKind.SERVICE) for name in draft.services]
    return _field_references(named) + services


def references_of_edit(incident: Incident, changes: Mapping[str, object]) -> list[NameReference]:
    """The names an edit newly gives the incident: only those it changes, so an edit that
    sends back the current owner (whoever they are now) is not a new assignment."""
    named = {
        name: value
        for name, value in changes.items()
        if name in _FIELD_KINDS and value != getattr(incident, name)
    }
    services = changes.get("services", ())
    added = [
        NameReference("services", str(name), NameKind.SERVICE)
        for name in (services if isinstance(services, list | tuple) else ())
        if name not in incident.services
    ]
    return _field_references(named) + added


_FIELD_KINDS = {"reporter": NameKind.PERSON, "owner": NameKind.PERSON, "team": NameKind.TEAM}
"""The incident fields that hold a person's or a team's name."""


def _field_references(named: Mapping[str, object]) -> list[NameReference]:
    """References for the fields among `named` that hold a name. A blank one is left to the
    domain's input checks, which refuse it ("is required") or take it as none."""
    return [
        NameReference(name, value, _FIELD_KINDS[name])
        for name, value in named.items()
        if isinstance(value, str) and value.strip()
    ]


def _refusal(reference: NameReference, known: KnownNames) -> FirelineError | None:
    name, kind = reference.name, reference.kind
    if kind is NameKind.PERSON and name in known.people:
        if reference.must_be_active and not known.people[name]:
            return DeactivatedPerson(reference.field, name)
        return None
    if (
        (kind is NameKind.TEAM and name in known.teams)
        or (kind is NameKind.SERVICE and name in known.services)
        or (kind is NameKind.ROLE and name in known.roles)
    ):
        return None
    shown = repr(name[:80])
    if reference.in_path:
        there_are = ""
        if kind is NameKind.ROLE:
            there_are = f" (there are: {', '.join(known.roles) or 'none'})"
        return NotFound(f"no {_NOUNS[kind]} {shown}{there_are}")
    if kind is NameKind.ROLE:
        return UnknownName(reference.field, name, known.roles)
    detail = f"no {_NOUNS[kind]} {shown}"
    if kind is NameKind.SERVICE:
        detail = f"unknown service {shown}: it is not in the service catalog"
    return UnknownName(reference.field, name, detail=detail)


_NOUNS = {
    NameKind.PERSON: "user",
    NameKind.TEAM: "team",
    NameKind.SERVICE: "service",
    NameKind.ROLE: "role",
}
"""How a missing name is worded: people are users in the API (`/api/v1/users`)."""
