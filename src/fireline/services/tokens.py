"""Use cases for API tokens: make one (shown once), list them, revoke one.

Who may do it at all is the permission table's question; which token is whose, and which
scope may mint which, are answered here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from fireline.domain.access import Caller, Permission, Scope, scope_covers
from fireline.domain.audit import AuditAction, AuditEntry
from fireline.domain.errors import InvalidInput, NotFound
from fireline.domain.names import NameKind, NameReference
from fireline.domain.timeline import JsonValue
from fireline.services.access_ports import TokenRecord
from fireline.services.authentication import TOKEN_PREFIX, digest_of, new_secret
from fireline.services.names import check_names
from fireline.services.ports import Database


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is shown this once and never stored."""

    secret: str
    record: TokenRecord


def create_token(
    database: Database,
    *,
    owner: str,
    name: str,
    scope: Scope,
    expires_at: datetime | None,
    creator: Caller,
    now: datetime,
    client: str | None = None,
) -> NewToken:
    """A new token for `owner`, made by `creator`.

    Anyone may make tokens for themselves; making one for someone else takes `token.any`.
    A token never carries more than the one it was made with (a read token cannot mint a
    write token) nor outlives it (its expiry is capped at that token's), nor carries more
    than its owner's role allows (its scope only narrows that).

    Someone else's name is NotFound without `token.any` (whether they exist is not the
    caller's business); with it, UnknownName or DeactivatedPerson unless they are an
    active user.
    """
    if owner != creator.name and not creator.may(Permission.TOKEN_ANY):
        raise NotFound(f"no user {owner[:80]!r}")
    if not scope_covers(creator.scope, scope):
        raise InvalidInput("scope", f"a {creator.scope} token cannot create a {scope} token")
    if not name.strip() or len(name) > 100 or not name.isprintable():
        raise InvalidInput("name", "1 to 100 printable characters")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expires_at", "must be in the future")
    ceiling = creator.token_expires_at
    if ceiling is not None and (expires_at is None or expires_at > ceiling):
        # A token never outlives the one it was made with, or an expiring token could mint
        # itself a permanent successor.
        expires_at = ceiling
    secret = new_secret(TOKEN_PREFIX)
    with database.transaction() as store:
        check_names(store, [NameReference("user", owner, NameKind.PERSON)])
        record = TokenRecord(
            0, owner, name.strip(), secret[:10], scope, now, creator.name, expires_at
        )
        record = replace(record, id=store.add_token(record, digest_of(secret)))
        detail: dict[str, JsonValue] = {"owner": owner, "scope": scope.value, "name": record.name}
        if creator.token_id is not None:
            detail["made_with"] = f"token {creator.token_id}"
        store.append_audit(
            [
                AuditEntry(
                    now,
                    creator.name,
                    AuditAction.TOKEN_CREATED,
                    f"token {record.id}",
                    client,
                    dict(detail),
                )
            ]
        )
    return NewToken(secret, record)


def list_tokens(database: Database, *, caller: Caller, everyone: bool) -> list[TokenRecord]:
    """The caller's tokens, or everybody's (`everyone`, which takes `token.any`)."""
    with database.transaction(write=False) as store:
        return store.list_tokens(None if everyone else caller.name)


def revoke_token(
    database: Database, token_id: int, *, caller: Caller, now: datetime, client: str | None = None
) -> TokenRecord:
    """Revoke a token at once; someone else's token is NotFound without `token.any`."""
    with database.transaction() as store:
        record = store.get_token(token_id)
        if record is None or (
            record.user_name != caller.name and not caller.may(Permission.TOKEN_ANY)
        ):
            raise NotFound(f"no token {token_id}")
        if record.revoked_at is None:
            store.revoke_token(token_id, now)
            store.append_audit(
                [
                    AuditEntry(
                        now, caller.name, AuditAction.TOKEN_REVOKED, f"token {token_id}", client
                    )
                ]
            )
            record = replace(record, revoked_at=now)
        return record
