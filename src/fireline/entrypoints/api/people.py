"""Routes for who you are (`/me`), people (`/users`) and teams (`/teams`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from fireline.domain.people import Team, User
from fireline.entrypoints.api.access_schemas import (
    MeOut,
    OwnPasswordIn,
    PasswordIn,
    TeamIn,
    TeamList,
    TeamOut,
    UserIn,
    UserList,
    UserOut,
    UserPatch,
)
from fireline.entrypoints.api.auth import SESSION_COOKIE
from fireline.entrypoints.api.deps import CallerDep, ContextDep, client_address
from fireline.entrypoints.api.headers import carries_secret
from fireline.entrypoints.api.problems import answers
from fireline.services import people
from fireline.services.authentication import csrf_token_for

router = APIRouter(prefix="/api/v1", tags=["people"])


def user_out(user: User, teams: frozenset[str] | None = None) -> UserOut:
    return UserOut(
        name=user.name,
        email=user.email,
        role=user.role,
        full_name=user.full_name,
        phone=user.phone,
        chat_handle=user.chat_handle,
        time_zone=user.time_zone,
        active=user.is_active,
        teams=sorted(teams) if teams is not None else None,
        created_at=user.created_at,
    )


# The answer to a session holds its CSRF token.
@router.get("/me", response_model=MeOut, dependencies=[Depends(carries_secret)])
def me(request: Request, context: ContextDep, caller: CallerDep) -> MeOut:
    """Who you are, and what you may do with the credential you used."""
    session_id = None if "authorization" in request.headers else request.cookies.get(SESSION_COOKIE)
    return MeOut(
        name=caller.name,
        role=caller.role,
        scope=caller.scope,
        teams=sorted(caller.teams),
        permissions=sorted(p.value for p in caller.permissions),
        csrf_token=csrf_token_for(session_id, context.secret) if session_id else None,
    )


@router.put("/me/password", status_code=204, responses=answers(429))
def change_own_password(
    body: OwnPasswordIn, request: Request, context: ContextDep, caller: CallerDep
) -> None:
    """Change your password (422 when `current_password` is wrong). Your sessions end, so
    sign in again; API tokens keep working."""
    people.change_own_password(
        context.database,
        context.hasher,
        caller.name,
        current=body.current_password,
        new=body.new_password,
        now=context.clock(),
        client=client_address(request),
    )


@router.get("/users", response_model=UserList)
def list_users(context: ContextDep) -> UserList:
    """Everybody, by name, with contact details."""
    return UserList(items=[user_out(user) for user in people.list_users(context.database)])


@router.post("/users", status_code=201, response_model=UserOut, responses=answers(409))
def create_user(body: UserIn, request: Request, context: ContextDep, caller: CallerDep) -> UserOut:
    """Add a person; 409 when the name or email is taken."""
    user = User(
        name=body.name,
        email=body.email,
        role=body.role,
        full_name=body.full_name,
        phone=body.phone,
        chat_handle=body.chat_handle,
        time_zone=body.time_zone,
    )
    created = people.create_user(
        context.database,
        context.hasher,
        user,
        password=body.password,
        actor=caller.name,
        now=context.clock(),
        client=client_address(request),
    )
    return user_out(created, frozenset())


@router.get("/users/{name}", response_model=UserOut)
def show_user(name: str, context: ContextDep) -> UserOut:
    user, teams = people.get_user(context.database, name)
    return user_out(user, teams)


@router.patch("/users/{name}", response_model=UserOut, responses=answers(409))
def update_user(
    name: str, body: UserPatch, request: Request, context: ContextDep, caller: CallerDep
) -> UserOut:
    """Change contact details, role, or `active` (false signs them out everywhere at once)."""
    changes: dict[str, Any] = {
        "is_active" if field == "active" else field: getattr(body, field)
        for field in body.model_fields_set
    }
    updated = people.update_user(
        context.database,
        name,
        changes,
        actor=caller.name,
        now=context.clock(),
        client=client_address(request),
    )
    return user_out(updated, people.get_user(context.database, name)[1])


@router.put("/users/{name}/password", status_code=204)
def set_password(
    name: str, body: PasswordIn, request: Request, context: ContextDep, caller: CallerDep
) -> None:
    """Set a person's password; their sessions end."""
    people.set_password(
        context.database,
        context.hasher,
        name,
        body.password,
        actor=caller.name,
        now=context.clock(),
        client=client_address(request),
    )


@router.get("/teams", response_model=TeamList)
def list_teams(context: ContextDep) -> TeamList:
    return TeamList(
        items=[
            TeamOut(name=team.name, description=team.description, members=members)
            for team, members in people.list_teams(context.database)
        ]
    )


@router.post("/teams", status_code=201, response_model=TeamOut, responses=answers(409))
def create_team(body: TeamIn, request: Request, context: ContextDep, caller: CallerDep) -> TeamOut:
    team = people.create_team(
        context.database,
        Team(body.name, body.description),
        actor=caller.name,
        now=context.clock(),
        client=client_address(request),
    )
    return TeamOut(name=team.name, description=team.description, members=[])


@router.get("/teams/{name}", response_model=TeamOut)
def show_team(name: str, context: ContextDep) -> TeamOut:
    team, members = people.get_team(context.database, name)
    return TeamOut(name=team.name, description=team.description, members=members)


@router.put("/teams/{name}/members/{user}", response_model=TeamOut)
def add_member(
    name: str, user: str, request: Request, context: ContextDep, caller: CallerDep
) -> TeamOut:
    return _set_member(name, user, True, request, context, caller.name)


@router.delete("/teams/{name}/members/{user}", response_model=TeamOut)
def remove_member(
    name: str, user: str, request: Request, context: ContextDep, caller: CallerDep
) -> TeamOut:
    return _set_member(name, user, False, request, context, caller.name)


def _set_member(
    name: str, user: str, member: bool, request: Request, context: ContextDep, actor: str
) -> TeamOut:
    members = people.set_team_member(
        context.database,
        name,
        user,
        member=member,
        actor=actor,
        now=context.clock(),
        client=client_address(request),
    )
    team, _ = people.get_team(context.database, name)
    return TeamOut(name=team.name, description=team.description, members=members)
