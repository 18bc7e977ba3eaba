"""Routes for API tokens (`/tokens`) and the audit log (`/audit`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from fireline.domain.access import Permission
from fireline.domain.audit import AuditAction
from fireline.entrypoints.api.access_schemas import (
    AuditEntryOut,
    AuditPage,
    NewTokenOut,
    TokenIn,
    TokenList,
    TokenOut,
)
from fireline.entrypoints.api.auth import forbid
from fireline.entrypoints.api.deps import CallerDep, ContextDep, client_address
from fireline.entrypoints.api.filters import parse_instant
from fireline.entrypoints.api.headers import carries_secret
from fireline.entrypoints.api.problems import answers
from fireline.services import audit as audit_log
from fireline.services import tokens
from fireline.services.access_ports import AuditQuery, TokenRecord

router = APIRouter(prefix="/api/v1", tags=["access"])

MAX_KEY = 2**31 - 1
"""The largest integer key both backends store (PostgreSQL's integer)."""


def token_out(record: TokenRecord) -> TokenOut:
    return TokenOut(
        id=record.id,
        user=record.user_name,
        name=record.name,
        prefix=record.prefix,
        scope=record.scope,
        created_at=record.created_at,
        created_by=record.created_by,
        expires_at=record.expires_at,
        revoked_at=record.revoked_at,
        last_used_at=record.last_used_at,
    )


@router.get("/tokens", response_model=TokenList)
def list_tokens(
    request: Request,
    context: ContextDep,
    caller: CallerDep,
    everyone: Annotated[bool, Query(alias="all", description="everybody's (admins)")] = False,
) -> TokenList:
    """Your tokens (never the secrets), newest first; `all=true` lists everybody's."""
    if everyone and not caller.may(Permission.TOKEN_ANY):
        raise forbid(request, caller, Permission.TOKEN_ANY, "listing everybody's tokens")
    records = tokens.list_tokens(context.database, caller=caller, everyone=everyone)
    return TokenList(items=[token_out(record) for record in records])


@router.post(
    "/tokens",
    status_code=201,
    response_model=NewTokenOut,
    responses=answers(404),  # a person the caller may not name (without token.any)
    dependencies=[Depends(carries_secret)],
)
def create_token(
    body: TokenIn, request: Request, context: ContextDep, caller: CallerDep
) -> NewTokenOut:
    """Make a token. The response holds it once; Fireline keeps only its digest."""
    made = tokens.create_token(
        context.database,
        owner=body.user or caller.name,
        name=body.name,
        scope=body.scope,
        expires_at=body.expires_at,
        creator=caller,
        now=context.clock(),
        client=client_address(request),
    )
    return NewTokenOut(**token_out(made.record).model_dump(), token=made.secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=MAX_KEY)],
    request: Request,
    context: ContextDep,
    caller: CallerDep,
) -> TokenOut:
    """Revoke a token: the next request that uses it gets 401."""
    record = tokens.revoke_token(
        context.database,
        token_id,
        caller=caller,
        now=context.clock(),
        client=client_address(request),
    )
    return token_out(record)


@router.get("/audit", response_model=AuditPage)
def audit(
    context: ContextDep,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[list[AuditAction], Query()] = [],  # noqa: B006
    target: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(alias="from", description="a date or a time")] = None,
    until: Annotated[str | None, Query(description="before this date or time")] = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_KEY, description="entries older than this seq")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """The audit log, newest first, a page at a time (follow `next_before`)."""
    time_zone = context.policies.current.time_zone
    query = AuditQuery(
        actor=actor,
        actions=tuple(action),
        target=target,
        since=parse_instant("from", since, time_zone) if since else None,
        until=parse_instant("until", until, time_zone) if until else None,
        before=before,
        limit=limit + 1,
    )
    found = audit_log.list_audit(context.database, query)
    page = found[:limit]
    return AuditPage(
        items=[
            AuditEntryOut(
                seq=r.seq,
                at=r.entry.at,
                actor=r.entry.actor,
                action=r.entry.action.value,
                target=r.entry.target,
                client=r.entry.client,
                detail=r.entry.detail,
                count=r.entry.count,
                last_at=r.entry.last_at or r.entry.at,
            )
            for r in page
        ],
        next_before=page[-1].seq if len(found) > limit else None,
    )
