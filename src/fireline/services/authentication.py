"""Use cases that establish who is asking: API tokens, password logins and web sessions.

Secrets (tokens, session IDs) are random and at least 32 bytes, so they are stored as plain
SHA-256 digests; passwords are low-entropy and get argon2id (`PasswordHasher`). Nothing is
cached in memory: a revoked token or a deactivated person is refused on the very next
request, by whichever process answers it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NoReturn

from fireline.domain.access import Caller
from fireline.domain.audit import ANONYMOUS, AuditAction, AuditEntry
from fireline.domain.throttle import FREE_FAILURES, Throttle, record_failure
from fireline.domain.timeline import JsonValue
from fireline.services.access_ports import PasswordHasher, SessionRecord
from fireline.services.ports import Database, Store

TOKEN_PREFIX = "flt_"
"""Marks Fireline tokens, so secret scanners (and people) can recognise a leaked one."""
TOUCH_EVERY = timedelta(minutes=1)
"""How stale `last_used_at` (and a session's `last_seen_at`) may get: writing it on every
request would turn every read into a write."""
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
MAX_SECRET = 200


class Unauthenticated(Exception):
    """No valid credential. `reason` goes to the audit log, never to the caller: telling an
    attacker that a token exists but expired would confirm that they hold a real one."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LoginRefused(Exception):
    """Wrong name or password, or a locked account or address (`retry_after` seconds > 0)."""

    def __init__(self, retry_after: int = 0) -> None:
        super().__init__("locked" if retry_after else "wrong name or password")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """A new web session: `session_id` goes into the cookie and nowhere else."""

    session_id: str
    caller: Caller


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def account_key(name: str) -> str:
    """The throttle key of an account name (a digest: a mistyped password in the name field
    must not be stored in clear)."""
    return f"account:{digest_of(name.strip().lower())[:40]}"


def csrf_token_for(session_id: str, key: bytes) -> str:
    """The CSRF token of a session: derived, so it needs no storage and dies with it."""
    return hmac.new(key, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class BearerRequest:
    """A bearer token as one request presented it."""

    token: str
    now: datetime
    client: str


def authenticate_tokens(
    database: Database, requests: Sequence[BearerRequest]
) -> list[Caller | Unauthenticated]:
    """The caller each token stands for, or why it stands for nobody, in request order.

    One read for all of them (a busy server checks the tokens of requests that arrive
    together at once), and one write only when something must be recorded: a first use, a
    `last_used_at` more than TOUCH_EVERY old, or a refused real token. Made-up tokens are
    not audited: anyone can send them, and each would cost a database write; a revoked or
    expired one can only come from whoever held the real token.
    """
    digests = [
        digest_of(r.token)
        if r.token.startswith(TOKEN_PREFIX) and len(r.token) <= MAX_SECRET
        else None
        for r in requests
    ]
    with database.transaction(write=False) as store:
        found = store.find_tokens([d for d in digests if d is not None])
        teams = store.teams_of(sorted({user.name for _, user in found.values()}))
    results: list[Caller | Unauthenticated] = []
    audits: list[AuditEntry] = []
    touches: dict[int, datetime] = {}
    for request, digest in zip(requests, digests, strict=True):
        if digest is None or digest not in found:
            results.append(
                Unauthenticated("not a Fireline token" if digest is None else "unknown token")
            )
            continue
        record, user = found[digest]
        now, target = request.now, f"token {record.id}"
        problem = None
        if record.revoked_at is not None:
            problem = "revoked token"
        elif record.expires_at is not None and record.expires_at <= now:
            problem = "expired token"
        elif not user.is_active:
            problem = "token of a deactivated user"
        if problem is not None:
            audits.append(
                AuditEntry(
                    now,
                    user.name,
                    AuditAction.AUTHENTICATION_FAILED,
                    target,
                    request.client,
                    {"reason": problem},
                )
            )
            results.append(Unauthenticated(problem))
            continue
        if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
            if record.last_used_at is None and record.id not in touches:
                audits.append(
                    AuditEntry(now, user.name, AuditAction.TOKEN_FIRST_USED, target, request.client)
                )
            touches[record.id] = now
        results.append(
            Caller(
                user.name,
                user.role,
                teams.get(user.name, frozenset()),
                record.scope,
                token_id=record.id,
                token_expires_at=record.expires_at,
            )
        )
    if audits or touches:
        with database.transaction() as store:
            for token_id, now in touches.items():
                store.touch_token(token_id, now)
            store.append_audit(audits)
    return results


def authenticate_session(
    database: Database, session_id: str, *, now: datetime, client: str
) -> Caller:
    """The caller of a web session; Unauthenticated when it ended, expired or idled out."""
    if len(session_id) > MAX_SECRET:
        raise Unauthenticated("malformed session cookie")
    digest = digest_of(session_id)
    with database.transaction(write=False) as store:
        record = store.find_session(digest)
        user = store.get_user(record.user_name) if record is not None else None
        teams = store.user_teams(user.name) if user is not None else frozenset()
    if record is None:
        raise Unauthenticated("unknown session")  # not audited, as for unknown tokens
    if record.ended_at is not None:
        _refuse(database, now, client, "ended session", "session", actor=record.user_name)
    if now >= record.expires_at or now - record.last_seen_at >= SESSION_IDLE:
        _refuse(database, now, client, "expired session", "session", actor=record.user_name)
    if user is None or not user.is_active:
        _refuse(database, now, client, "deactivated user", "session", actor=record.user_name)
    if now - record.last_seen_at >= TOUCH_EVERY:
        with database.transaction() as store:
            store.touch_session(digest, now)
    return Caller(user.name, user.role, teams)


def log_in(
    database: Database,
    hasher: PasswordHasher,
    name: str,
    password: str,
    *,
    now: datetime,
    client: str,
) -> SignedIn:
    """Check a name and password and start a session; LoginRefused otherwise.

    - The attempt counts as a failure before its password is checked (and is taken back if
      it succeeds), so guesses sent at once meet the lock as guesses sent one by one do.
    - Locked keys are refused without checking the password at all.
    - The same work is done whether or not the account exists: both lookups always run, and
      an unknown account's password is verified against a stand-in hash.
    - The hash is checked outside any transaction (it takes tens of milliseconds, which a
      write lock should not wait for); the session is then started only if the password and
      the account did not change meanwhile, so a reset or a deactivation wins the race.
    """
    # A NUL cannot be stored in PostgreSQL text; such a name names nobody on either backend.
    lookup = name if "\x00" not in name and len(name) <= MAX_SECRET else ""
    keys = (account_key(name), f"client:{client[:90]}")
    with database.transaction() as store:
        locked, counted = count_attempt(store, keys, now)
        user = store.get_user(lookup)
        stored_hash = store.password_hash(lookup)
        target = name if user is not None else "(unknown account)"
        if locked:
            detail: dict[str, JsonValue] = {"retry_after": locked}
            entry = AuditEntry(now, ANONYMOUS, AuditAction.LOGIN_LOCKED, target, client, detail)
            store.append_audit([entry])
    if locked:
        raise LoginRefused(retry_after=locked)
    matches = hasher.verify(stored_hash or hasher.stand_in_hash, password)
    if not (matches and stored_hash is not None and user is not None and user.is_active):
        _record_login_failure(database, now, client, target, counted[0].failures)
        raise LoginRefused(retry_after=max(t.retry_after(now) for t in counted))
    session_id = new_secret()
    with database.transaction() as store:
        current = store.get_user(user.name)
        if (
            current is None
            or not current.is_active
            or store.password_hash(user.name) != stored_hash
        ):
            changed = True
        else:
            changed = False
            store.clear_throttle(keys[0])
            store.save_throttle(_take_back(store.get_throttle(keys[1], for_update=True)))
            if hasher.needs_rehash(stored_hash):
                store.set_password_hash(user.name, hasher.hash(password))
            store.add_session(
                digest_of(session_id), SessionRecord(user.name, now, now + SESSION_LIFETIME, now)
            )
            store.append_audit(
                [AuditEntry(now, user.name, AuditAction.LOGIN_SUCCEEDED, user.name, client)]
            )
            teams = store.user_teams(user.name)
    if changed:
        _record_login_failure(database, now, client, target, counted[0].failures)
        raise LoginRefused()
    return SignedIn(session_id, Caller(user.name, user.role, teams))


def count_attempt(store: Store, keys: Sequence[str], now: datetime) -> tuple[int, list[Throttle]]:
    """Lock the keys' throttles and count one more failure on each, unless one is locked.

    Returns the seconds until the lock lifts (0: not locked) and the throttles as counted.
    Counting before the password is checked is what makes guesses sent at once meet the
    lock; whoever succeeds takes their failure back.
    """
    before = [store.get_throttle(key, for_update=True) for key in keys]
    locked = max(t.retry_after(now) for t in before)
    if locked:
        return locked, before
    counted = [record_failure(t, now) for t in before]
    for throttle in counted:
        store.save_throttle(throttle)
    return 0, counted


def _record_login_failure(
    database: Database, now: datetime, client: str, target: str, failures: int
) -> None:
    detail: dict[str, JsonValue] = {"failures_in_a_row": failures}
    entry = AuditEntry(now, ANONYMOUS, AuditAction.LOGIN_FAILED, target, client, detail)
    with database.transaction() as store:
        store.append_audit([entry])


def _take_back(throttle: Throttle) -> Throttle:
    """The client key without the failure a successful attempt was counted as."""
    failures = max(0, throttle.failures - 1)
    locked_until = throttle.locked_until if failures > FREE_FAILURES["client"] else None
    return replace(throttle, failures=failures, locked_until=locked_until)


def log_out(database: Database, session_id: str, *, now: datetime, client: str) -> None:
    """End the session (nothing happens for one that is unknown or already ended)."""
    digest = digest_of(session_id)
    with database.transaction() as store:
        record = store.find_session(digest)
        if record is None or record.ended_at is not None:
            return
        store.end_session(digest, now)
        store.append_audit([AuditEntry(now, record.user_name, AuditAction.LOGOUT, None, client)])


def record_refusal(
    database: Database,
    action: AuditAction,
    *,
    actor: str,
    target: str,
    client: str,
    now: datetime,
    detail: dict[str, JsonValue] | None = None,
) -> None:
    """Audit a refused request (a missing permission, a missing CSRF token): counted into
    the entry of the same refusal in the same window when there is one."""
    with database.transaction() as store:
        store.append_audit([AuditEntry(now, actor, action, target, client, detail or {})])


def _refuse(
    database: Database,
    now: datetime,
    client: str,
    reason: str,
    target: str | None,
    actor: str = ANONYMOUS,
) -> NoReturn:
    entry = AuditEntry(
        now, actor, AuditAction.AUTHENTICATION_FAILED, target, client, {"reason": reason}
    )
    with database.transaction() as store:
        store.append_audit([entry])
    raise Unauthenticated(reason)
