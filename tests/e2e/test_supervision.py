"""Real processes: a killed `serve` leaves nothing behind, a dead worker turns `/healthz`
red, and `serve` stops (exit code 1) when its own worker dies.

Every wait is for a condition, with `HANG_GUARD_S` only as a hang guard. Finding a server's
processes reads /proc, so the tests that need it run on Linux.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, base_env, start_server

HANG_GUARD_S = 90.0
DYING_WORKER = Path(__file__).with_name("dying_worker.py")
needs_proc = pytest.mark.skipif(
    sys.platform != "linux", reason="finds a server's processes in /proc"
)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait until `condition()` holds; fail naming `what` if the hang guard runs out."""
    deadline = time.monotonic() + HANG_GUARD_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {HANG_GUARD_S:.0f} s: {what}")
        time.sleep(0.1)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie nobody reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def is_listening(port: int) -> bool:
    """Whether something listens on 127.0.0.1:`port`, the way a server starting there would
    find out: its bind fails ("Address already in use")."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def health(server: Server) -> int:
    try:
        return httpx.get(f"{server.url}/healthz", timeout=5).status_code
    except httpx.HTTPError:
        return 0


@needs_proc
def test_a_killed_serve_leaves_no_server_process_behind_and_starts_again_on_its_port(
    tmp_path: Path, database_url: str
) -> None:
    env = base_env(tmp_path, database_url)
    (tmp_path / "first").mkdir()
    first = start_server(env, tmp_path / "first", "--workers", "2")
    server = next(first)
    assert server.process is not None
    port = port_of(server)
    children = children_of(server.process.pid)
    try:
        assert len(children) >= 2  # two server processes (and multiprocessing's helper)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=HANG_GUARD_S)
        wait_until(
            lambda: not any(is_running(pid) for pid in children),
            f"the children {children} of the killed serve have ended",
        )
        wait_until(lambda: not is_listening(port), f"nothing listens on port {port}")
    finally:
        first.close()
        for pid in children:  # however the test ends, leave no orphan running
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
    (tmp_path / "again").mkdir()
    again = start_server(env, tmp_path / "again", "--workers", "2", port=port)
    try:
        restarted = next(again)
        assert httpx.get(f"{restarted.url}/healthz", timeout=5).status_code == 200
    finally:
        again.close()


def test_a_separate_worker_keeps_health_green_and_its_death_turns_it_red(
    tmp_path: Path, database_url: str
) -> None:
    # The shortest threshold allowed, so the test need not wait the default 20 s; that the
    # default turns health red within 30 s follows from the rule's unit tests.
    env = {**base_env(tmp_path, database_url), "FIRELINE_WORKER_STALE_AFTER": "10"}
    servers = start_server(env, tmp_path, "--no-worker", ready="/livez")
    server = next(servers)
    worker: subprocess.Popen[bytes] | None = None
    try:
        before = httpx.get(f"{server.url}/healthz", timeout=5)
        assert before.status_code == 503, before.text  # an API without any worker
        assert before.json()["type"] == "/problems/worker-stale"
        with (tmp_path / "worker.log").open("w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "fireline", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: health(server) == 200, "the worker's heartbeat turns /healthz 200")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=HANG_GUARD_S)
        wait_until(lambda: health(server) == 503, "the dead worker turns /healthz 503")
        after = httpx.get(f"{server.url}/healthz", timeout=5).json()
        assert after["type"] == "/problems/worker-stale"
        assert after["worker"]["last_heartbeat"] is not None  # it did beat, then stopped
        assert httpx.get(f"{server.url}/livez", timeout=5).status_code == 200
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        servers.close()


@needs_proc
@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_stops_with_exit_code_1_when_its_worker_dies(tmp_path: Path, workers: str) -> None:
    # The watch is about processes, not data: SQLite is enough.
    cue = tmp_path / "die-now"
    env = {
        **base_env(tmp_path, f"sqlite:///{tmp_path / 'fireline.db'}"),
        "FIRELINE_TEST_WORKER_DIES_ON": str(cue),
    }
    servers = start_server(
        env, tmp_path, "--workers", workers, ready="/livez", program=[str(DYING_WORKER)]
    )
    server = next(servers)
    assert server.process is not None
    children = children_of(server.process.pid)
    try:
        cue.touch()  # the server answers; now its worker dies
        assert server.process.wait(timeout=HANG_GUARD_S) == 1
        log = server.log.read_text()
        assert "the worker stopped (RuntimeError: the worker broke on the test's cue)" in log
        assert "the server stopped too" in log
        wait_until(
            lambda: not any(is_running(pid) for pid in children),
            f"the children {children} of the stopped serve have ended",
        )
        assert not is_listening(port_of(server))
    finally:
        servers.close()
        for pid in children:
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
