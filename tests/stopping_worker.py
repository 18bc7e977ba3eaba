"""`fireline worker` that stops in the middle of its first firing step, for crash tests.

    python -m tests.stopping_worker --batch 3 --poll 0.05    # `fireline worker`'s options

Right after the statement that marks the step's claimed timers fired, before the step's
transaction commits, the process prints `STOPPED_MID_STEP` and waits for nothing, forever.
From then on it holds what a firing step holds (an open transaction with the timers and
their incidents locked on PostgreSQL, the write lock on SQLite), with its timeline entries
written but not committed, and it can finish nothing: a test that reads the line kills it
mid-step by construction, however slow or busy the machine. A test may still freeze and
continue it (SIGSTOP, SIGCONT) meanwhile, which does not end the wait; SIGTERM, SIGINT and
SIGKILL end the process. The worker's code runs
unchanged; the stop is an SQLAlchemy event listener added from outside, as a receiver that
holds a request is.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from fireline.entrypoints.cli.main import run

MARKS_FIRED = "UPDATE timers SET fired_at"
"""How the firing step's last write begins (`fireline.adapters.db.timers._MARK_FIRED`)."""
STOPPED_MID_STEP = "STOPPED_MID_STEP"


def _stop_once_marked_fired(
    connection: Any, cursor: Any, statement: str, *args: Any, **kwargs: Any
) -> None:
    if statement.startswith(MARKS_FIRED):
        # The worker's own handlers only ask its loop to stop, which a wait never gets
        # back to: SIGTERM and Ctrl-C end the process at once again (a test that fails,
        # or is interrupted, while the worker waits here).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        print(STOPPED_MID_STEP, flush=True)
        while True:
            # Returns only after a signal handler ran; SIGCONT's default action runs none.
            signal.pause()


if __name__ == "__main__":
    event.listen(Engine, "after_cursor_execute", _stop_once_marked_fired)
    sys.argv = ["fireline", "worker", *sys.argv[1:]]
    run()
