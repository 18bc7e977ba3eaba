"""Backing off failed logins, per account and per client address.

Each key (an account name, a client address) counts its failures in a row. The first few are
free; after that every failure locks the key for twice as long as the last, up to a cap. A
locked key refuses every attempt, right or wrong, without checking the password, so guessing
during a lock teaches nothing; the refusal reads the same whether the account exists or not.
A success clears the key; a key left alone for `FORGET_AFTER` starts again from zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES = {"account": 5, "client": 20}
"""Failures in a row before the first lock: a person mistyping, or an office behind one NAT."""
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Throttle:
    """The state of one key: failures in a row, and until when it is locked."""

    key: str
    failures: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the lock lifts (0 when not locked)."""
        if self.locked_until is None or now >= self.locked_until:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))


def kind_of(key: str) -> str:
    """`account` or `client`: keys are written ``kind:value``."""
    return key.split(":", 1)[0]


def record_failure(throttle: Throttle, now: datetime) -> Throttle:
    """The key after one more failure at `now`, locked once past its free failures."""
    failures = throttle.failures
    if throttle.last_failure_at is not None and now - throttle.last_failure_at > FORGET_AFTER:
        failures = 0
    failures += 1
    free = FREE_FAILURES.get(kind_of(throttle.key), FREE_FAILURES["account"])
    locked_until = throttle.locked_until
    if failures > free:
        lock = min(FIRST_LOCK * 2 ** min(failures - free - 1, 20), LONGEST_LOCK)
        locked_until = now + lock
    return Throttle(throttle.key, failures, locked_until, now)
