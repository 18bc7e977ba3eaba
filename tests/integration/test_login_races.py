"""Sign-in under concurrency: guesses sent at once meet the lock, and a password reset or a
deactivation that lands while a sign-in is being checked wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from fireline.adapters.db.database import SqlDatabase
from fireline.adapters.passwords import Argon2Hasher
from fireline.domain.access import AccessRole
from fireline.domain.audit import AuditAction
from fireline.domain.people import User
from fireline.services import people
from fireline.services.access_ports import AuditQuery
from fireline.services.authentication import LoginRefused, log_in

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PASSWORD = "the right password"


class GatedHasher(Argon2Hasher):
    """Real argon2id whose `verify` waits until the test opens the gate: it lets a test put
    another transaction between reading an account and starting its session."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024)
        self.inside = threading.Event()
        self.gate = threading.Event()

    def verify(self, password_hash: str, password: str) -> bool:
        self.inside.set()
        assert self.gate.wait(timeout=30)
        return super().verify(password_hash, password)


@pytest.fixture
def hasher() -> Argon2Hasher:
    return Argon2Hasher(time_cost=1, memory_cost=1024)


@pytest.fixture
def vic(database: SqlDatabase, hasher: Argon2Hasher) -> str:
    user = User("vic", "vic@example.test", AccessRole.RESPONDER)
    people.create_user(database, hasher, user, password=PASSWORD, actor="test", now=NOW)
    return "vic"


def audit_count(database: SqlDatabase, action: AuditAction) -> int:
    with database.transaction(write=False) as store:
        return len(store.list_audit(AuditQuery(actions=(action,), limit=1000)))


def test_guesses_sent_at_once_meet_the_lock(
    database: SqlDatabase, hasher: Argon2Hasher, vic: str
) -> None:
    def guess(n: int) -> int:
        try:
            log_in(database, hasher, vic, f"guess {n}", now=NOW, client=f"10.0.0.{n}")
        except LoginRefused as refused:
            return refused.retry_after
        raise AssertionError("a wrong password signed in")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(guess, range(16)))
    checked = audit_count(database, AuditAction.LOGIN_FAILED)
    refused_unchecked = audit_count(database, AuditAction.LOGIN_LOCKED)
    # Five free failures, the sixth sets the lock; everything after is refused unchecked.
    assert checked == 6
    assert refused_unchecked == 10


@pytest.mark.parametrize("change", ["password reset", "deactivation"])
def test_a_change_during_a_sign_in_wins(database: SqlDatabase, vic: str, change: str) -> None:
    gated = GatedHasher()
    outcome: list[object] = []

    def sign_in() -> None:
        try:
            outcome.append(log_in(database, gated, vic, PASSWORD, now=NOW, client="10.0.0.1"))
        except LoginRefused as refused:
            outcome.append(refused)

    worker = threading.Thread(target=sign_in)
    worker.start()
    assert gated.inside.wait(timeout=30)
    if change == "password reset":
        people.set_password(database, gated, vic, "a brand new password", actor="admin", now=NOW)
    else:
        people.update_user(database, vic, {"is_active": False}, actor="admin", now=NOW)
    gated.gate.set()
    worker.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], LoginRefused)
    assert audit_count(database, AuditAction.LOGIN_SUCCEEDED) == 0


def test_a_name_with_a_nul_is_a_wrong_name_not_an_error(
    database: SqlDatabase, hasher: Argon2Hasher, vic: str
) -> None:
    with pytest.raises(LoginRefused):
        log_in(database, hasher, "vi\x00c", PASSWORD, now=NOW, client="10.0.0.1")
    assert audit_count(database, AuditAction.LOGIN_FAILED) == 1
