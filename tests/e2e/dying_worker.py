"""`fireline`, but the worker `serve` runs dies when the test says so (for the watchdog).

Run as `python dying_worker.py serve …` with FIRELINE_TEST_WORKER_DIES_ON=PATH: the worker
waits until PATH exists and then raises, an error outside any worker step, which is what
ends a worker thread for good. Everything else is the real `fireline serve`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fireline.bootstrap import Context
from fireline.entrypoints.cli import admin
from fireline.entrypoints.cli.main import run


def run_worker_until_cue(context: Context, stop: threading.Event) -> None:
    cue = Path(os.environ["FIRELINE_TEST_WORKER_DIES_ON"])
    while not cue.exists():
        if stop.wait(0.05):  # the server stopped first
            return
    raise RuntimeError("the worker broke on the test's cue")


if __name__ == "__main__":
    assert admin.run_worker is not None  # what `serve` runs as its worker, replaced here
    admin.run_worker = run_worker_until_cue  # type: ignore[assignment]
    run()
