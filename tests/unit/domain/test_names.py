"""The one rule for names a write refers to: each must name something that exists."""

from __future__ import annotations

import pytest

from fireline.domain.errors import DeactivatedPerson, InvalidInput, NotFound, UnknownName
from fireline.domain.incident import Draft
from fireline.domain.names import (
    KnownNames,
    NameKind,
    NameReference,
    references_of_draft,
    references_of_edit,
    refused_names,
)
from tests.unit.domain.builders import make_incident

KNOWN = KnownNames(
    people={"ana": True, "bo": False},
    teams=frozenset({"payments"}),
    services=frozenset({"checkout"}),
    roles=("incident_commander", "scribe"),
)


def person(name: str, **options: bool) -> NameReference:
    return NameReference("owner", name, NameKind.PERSON, **options)


def test_names_that_exist_are_refused_nothing() -> None:
    references = [
        person("ana"),
        NameReference("team", "payments", NameKind.TEAM),
        NameReference("services", "checkout", NameKind.SERVICE),
        NameReference("role", "scribe", NameKind.ROLE),
    ]
    assert refused_names(references, KNOWN) == []


def test_each_name_that_names_nothing_is_one_unknown_name_in_order() -> None:
    references = [
        NameReference("team", "phantoms", NameKind.TEAM),
        person("ana"),
        person("ghost"),
        NameReference("services", "nope", NameKind.SERVICE),
    ]
    refused = refused_names(references, KNOWN)
    assert all(isinstance(error, UnknownName) for error in refused)
    assert [(e.field, e.detail) for e in refused if isinstance(e, InvalidInput)] == [
        ("team", "no team 'phantoms'"),
        ("owner", "no user 'ghost'"),
        ("services", "unknown service 'nope': it is not in the service catalog"),
    ]


def test_people_and_teams_are_never_listed_but_roles_are() -> None:
    (ghost,) = refused_names([person("ghost")], KNOWN)
    assert isinstance(ghost, UnknownName)
    assert (ghost.value, ghost.allowed) == ("ghost", ())
    assert "ana" not in ghost.message
    (hero,) = refused_names([NameReference("role", "hero", NameKind.ROLE)], KNOWN)
    assert isinstance(hero, UnknownName)
    assert hero.allowed == ("incident_commander", "scribe")
    assert hero.message == "role: unknown value 'hero'; allowed: incident_commander, scribe"


def test_a_name_in_the_path_that_names_nothing_is_not_found() -> None:
    path = {"in_path": True}
    refused = refused_names(
        [
            NameReference("user", "ghost", NameKind.PERSON, **path),
            NameReference("team", "phantoms", NameKind.TEAM, **path),
            NameReference("role", "hero", NameKind.ROLE, **path),
        ],
        KNOWN,
    )
    assert all(type(error) is NotFound for error in refused)
    assert [error.message for error in refused] == [
        "no user 'ghost'",
        "no team 'phantoms'",
        "no role 'hero' (there are: incident_commander, scribe)",
    ]


def test_a_deactivated_person_is_refused_only_where_they_would_be_given_something() -> None:
    (given,) = refused_names([person("bo")], KNOWN)
    assert isinstance(given, DeactivatedPerson)
    assert given.message == "owner: 'bo' is deactivated"
    assert refused_names([person("bo", must_be_active=False)], KNOWN) == []
    (in_path,) = refused_names([person("bo", in_path=True)], KNOWN)
    assert isinstance(in_path, DeactivatedPerson)


def test_a_draft_names_its_reporter_owner_team_and_services_but_not_blanks() -> None:
    draft = Draft(
        title="t", type="data", reporter="ana", owner=" ", team="payments", services=("a", "b")
    )
    assert [(r.field, r.name, r.kind) for r in references_of_draft(draft)] == [
        ("reporter", "ana", NameKind.PERSON),
        ("team", "payments", NameKind.TEAM),
        ("services", "a", NameKind.SERVICE),
        ("services", "b", NameKind.SERVICE),
    ]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"owner": "bo"}, []),  # the current owner sent back is no new assignment
        ({"owner": "cy", "title": "x"}, [("owner", "cy")]),
        ({"owner": None, "team": "ops"}, [("team", "ops")]),
        ({"services": ("checkout", "search")}, [("services", "search")]),
    ],
)
def test_an_edit_names_only_what_it_changes(
    changes: dict[str, object], named: list[tuple[str, str]]
) -> None:
    incident = make_incident(owner="bo", services=("checkout",))
    assert [(r.field, r.name) for r in references_of_edit(incident, changes)] == named
