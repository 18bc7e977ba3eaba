"""The SQLite data folder and database files are private, whatever the umask.

Each test runs the real `fireline` command in a subprocess with umask 022 (under which
SQLite alone would make the database readable by every user of the machine).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import STARTUP_TIMEOUT_S
from tests.ports import free_port

USUAL_UMASK = 0o022


def fireline(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `fireline ARGS` on SQLite in `data` with umask 022."""
    return subprocess.run(
        [sys.executable, "-m", "fireline", *args],
        env=environment(data),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=USUAL_UMASK,
    )


def environment(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    env.update({"FIRELINE_DATA_DIR": str(data), "COLUMNS": "200"})
    return env


def mode(path: Path) -> str:
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


def modes(folder: Path) -> dict[str, str]:
    return {path.name: mode(path) for path in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["user", "create", "root", "--email", "root@example.test", "--no-password"],
    ],
    ids=["db upgrade", "user create"],
)
def test_a_new_data_folder_and_database_are_private_to_their_user(
    tmp_path: Path, command: list[str]
) -> None:
    data = tmp_path / "new" / "fireline"
    done = fireline(data, *command)
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "new") == "0700"
    assert mode(data) == "0700"
    assert modes(data)["fireline.db"] == "0600"
    assert set(modes(data).values()) == {"0600"}
    assert "open to other users" not in done.stderr


def test_a_running_server_keeps_its_log_shared_memory_and_lock_file_private(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with serving(data):
        # While the server runs, SQLite's -wal and -shm files and the writers' lock exist.
        assert modes(data) == {
            "fireline.db": "0600",
            "fireline.db-shm": "0600",
            "fireline.db-wal": "0600",
            "fireline.db.writer-lock": "0600",
        }
    assert mode(data) == "0700"


def test_an_existing_folder_is_left_as_it_is_and_the_new_database_in_it_is_private(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    (shared / "notes.txt").write_text("the operator's own file")
    (shared / "notes.txt").chmod(0o644)
    done = fireline(shared, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert mode(shared) == "0755"
    assert mode(shared / "notes.txt") == "0644"
    assert mode(shared / "fireline.db") == "0600"


def test_start_warns_when_an_existing_database_is_open_to_others_and_leaves_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    assert fireline(data, "db", "upgrade").returncode == 0
    database = data / "fireline.db"
    database.chmod(0o644)  # as a release before this one left it

    done = fireline(data, "db", "upgrade")

    assert done.returncode == 0, done.stderr
    assert f"{database} is open to other users of this machine (mode 0644)" in done.stderr
    assert f"chmod 600 {database}" in done.stderr
    assert mode(database) == "0644"


@contextmanager
def serving(data: Path) -> Iterator[None]:
    """`fireline serve` on SQLite in `data` with umask 022, answering until the block ends."""
    port, log = free_port(), data.parent / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "fireline", "serve", "--port", str(port)],
            env=environment(data),
            stdout=output,
            stderr=subprocess.STDOUT,
            umask=USUAL_UMASK,
        )
    try:
        # Poll for readiness: the deadline is a hang guard, nothing is timed.
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not is_ready(port):
            if process.poll() is not None:
                pytest.fail(f"fireline serve exited early:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"fireline serve did not answer in time:\n{log.read_text()}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def is_ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
