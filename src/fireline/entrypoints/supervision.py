"""What keeps `fireline serve` honest about its processes.

- `WorkerWatch`: `serve` runs the worker in a thread beside the API. If that thread ends
  while the server runs (an error outside any step), nothing would fire timers while the API
  kept answering; the watch logs why and stops the server, and `serve` exits 1, so that
  whatever supervises it (systemd, Kubernetes, a shell loop) sees the failure and restarts it.
- `watch_parent`: with `serve --workers N` uvicorn's supervisor (the `serve` process, which
  also runs the worker) starts N server processes. If the supervisor is killed (SIGKILL, the
  OOM killer), nothing stops them: they would go on answering, holding the port, with no
  worker. Each one watches its parent and stops when it is gone (`create_server_process_app`).
  The check compares `os.getppid()` with the parent it started under, which works on every
  POSIX system, unlike Linux's `PR_SET_PDEATHSIG` (which is also tied to the thread that
  forked, not the process).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable

from fastapi import FastAPI

from fireline.entrypoints.api.app import create_app_from_environment

log = logging.getLogger("fireline.supervision")

PARENT_CHECK_EVERY = 0.5
"""Seconds between a server process's looks at whether its parent is still there."""
ORPHAN_GRACE = 5.0
"""Seconds an orphaned server process has to finish its requests before it exits anyway."""


class WorkerWatch:
    """Runs `run(stop)` (the worker) in a daemon thread and watches it from another.

    If the worker ends before `stop()` is called, `failure` says why (its exception, or that
    it returned) and `stop_server` is called once, from the watching thread.
    """

    def __init__(
        self, run: Callable[[threading.Event], None], stop_server: Callable[[], None]
    ) -> None:
        self._run = run
        self._stop_server = stop_server
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.failure: str | None = None
        """Why the worker ended on its own; None while it runs or after a requested stop."""
        self._worker = threading.Thread(target=self._work, name="fireline-worker", daemon=True)
        self._watch = threading.Thread(target=self._check, name="fireline-watch", daemon=True)

    def start(self) -> None:
        self._worker.start()
        self._watch.start()

    def stop(self) -> None:
        """Ask the worker to stop (the server is stopping): its ending is no failure then."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the watch has seen the worker end (and stopped the server if it had
        to); False when `timeout` seconds passed first."""
        self._watch.join(timeout)
        return not self._watch.is_alive()

    def _work(self) -> None:
        try:
            self._run(self._stop)
        except BaseException as error:  # anything that ends the thread is what we report
            self._error = error

    def _check(self) -> None:
        self._worker.join()
        if self._stop.is_set():
            return
        error = self._error
        self.failure = (
            f"{type(error).__name__}: {error}" if error is not None else "it returned unasked"
        )
        log.error(
            "the worker stopped (%s); stopping the server: nothing would fire timers or "
            "deliver messages",
            self.failure,
            exc_info=error,
        )
        self._stop_server()


def watch_parent(
    is_parent_alive: Callable[[], bool],
    on_parent_gone: Callable[[], None],
    *,
    wait: Callable[[float], bool],
) -> None:
    """Call `on_parent_gone` once `is_parent_alive()` says False, looking every
    `PARENT_CHECK_EVERY` seconds; `wait(seconds)` returning True ends the watch instead."""
    while is_parent_alive():
        if wait(PARENT_CHECK_EVERY):
            return
    on_parent_gone()


def stop_orphan() -> None:
    """Stop this server process: gracefully (uvicorn's SIGTERM handling finishes requests in
    flight and closes the listening socket), and for good after `ORPHAN_GRACE` seconds."""
    log.warning("the serve process is gone; stopping server process %d", os.getpid())
    hard = threading.Timer(ORPHAN_GRACE, os._exit, args=(1,))
    hard.daemon = True
    hard.start()
    os.kill(os.getpid(), signal.SIGTERM)


def create_server_process_app() -> FastAPI:
    """Factory for the server processes of `serve --workers N`: the app, and a daemon thread
    that stops this process when the `serve` process that started it is gone."""
    parent = multiprocessing.parent_process()
    # The pid we were started by, not the one we have now: if the parent died before this
    # runs, we are already someone else's child.
    parent_pid = parent.pid if parent is not None and parent.pid else os.getppid()
    threading.Thread(
        target=watch_parent,
        args=(lambda: os.getppid() == parent_pid, stop_orphan),
        kwargs={"wait": threading.Event().wait},
        name="fireline-parent-watch",
        daemon=True,
    ).start()
    return create_app_from_environment()
