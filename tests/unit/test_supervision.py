"""The watch over `serve`'s worker thread, and a server process's watch over its parent.

Both run real threads; every wait is on a condition, with a generous deadline only as a hang
guard (`HANG_GUARD`), never as what is tested.
"""

from __future__ import annotations

import logging
import threading

import pytest

from fireline.entrypoints.supervision import WorkerWatch, watch_parent

HANG_GUARD = 60.0


class ServerStops:
    """What the watch calls to stop the server: counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def test_a_worker_that_dies_of_an_error_stops_the_server_once_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def crash(stop: threading.Event) -> None:
        raise RuntimeError("the policy book vanished")

    stop_server = ServerStops()
    watch = WorkerWatch(crash, stop_server)
    with caplog.at_level(logging.ERROR, logger="fireline.supervision"):
        watch.start()
        assert watch.join(HANG_GUARD)
    assert stop_server.calls == 1
    assert watch.failure == "RuntimeError: the policy book vanished"
    assert "the worker stopped (RuntimeError: the policy book vanished)" in caplog.text
    assert "Traceback" in caplog.text  # the log has where it died


def test_a_worker_that_returns_unasked_stops_the_server_too() -> None:
    stop_server = ServerStops()
    watch = WorkerWatch(lambda stop: None, stop_server)
    watch.start()
    assert watch.join(HANG_GUARD)
    assert stop_server.calls == 1
    assert watch.failure == "it returned unasked"


def test_a_worker_stopped_with_the_server_is_no_failure() -> None:
    started = threading.Event()

    def work_until_stopped(stop: threading.Event) -> None:
        started.set()
        stop.wait()

    stop_server = ServerStops()
    watch = WorkerWatch(work_until_stopped, stop_server)
    watch.start()
    assert started.wait(HANG_GUARD)
    assert watch.failure is None  # running is not failing
    watch.stop()
    assert watch.join(HANG_GUARD)
    assert stop_server.calls == 0
    assert watch.failure is None


def test_a_worker_that_dies_while_the_server_stops_is_no_failure_either() -> None:
    def fail_on_stop(stop: threading.Event) -> None:
        stop.wait()
        raise RuntimeError("a connection closed under it")

    stop_server = ServerStops()
    watch = WorkerWatch(fail_on_stop, stop_server)
    watch.start()
    watch.stop()
    assert watch.join(HANG_GUARD)
    assert (stop_server.calls, watch.failure) == (0, None)


def test_a_server_process_stops_once_its_parent_is_gone() -> None:
    answers = iter([True, True, True, False])
    looks: list[float] = []
    gone: list[str] = []

    def wait(seconds: float) -> bool:
        looks.append(seconds)
        return False  # the watch is never asked to end

    watch_parent(lambda: next(answers), lambda: gone.append("stopped"), wait=wait)
    assert gone == ["stopped"]
    assert looks == [0.5, 0.5, 0.5]  # one wait between looks, none after the parent left


def test_a_parent_watch_asked_to_end_leaves_the_process_alone() -> None:
    gone: list[str] = []
    watch_parent(lambda: True, lambda: gone.append("stopped"), wait=lambda seconds: True)
    assert gone == []
