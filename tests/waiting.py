"""Waiting for something to happen, without timing it.

Tests that run real threads or processes wait for a condition (a message delivered, a
timer fired). How long that takes depends on how busy the machine is, so no test asserts
on it: `eventually` polls until the condition holds, and its `guard_s` is only a hang
guard, there so that a test that can never succeed fails instead of hanging. Keep it
generous (minutes): a guard that a slow machine can reach is a flaky test.
"""

from __future__ import annotations

import time
from collections.abc import Callable

HANG_GUARD_S = 120.0
"""The default hang guard: far longer than anything waited for takes on a loaded machine."""
POLL_S = 0.02


def eventually(
    condition: Callable[[], bool],
    *,
    what: str,
    guard_s: float = HANG_GUARD_S,
    state: Callable[[], object] | None = None,
    poll_s: float = POLL_S,
) -> None:
    """Return once `condition()` holds, asking every `poll_s` seconds; fail (naming `what`,
    and saying `state()` if given) if it has not after `guard_s` seconds, which only guards
    against a hang and is never the thing tested."""
    gives_up = time.monotonic() + guard_s
    while not condition():
        if time.monotonic() > gives_up:
            seen = f"; state: {state()}" if state is not None else ""
            raise AssertionError(f"hang guard ({guard_s:.0f} s): never saw {what}{seen}")
        time.sleep(poll_s)
