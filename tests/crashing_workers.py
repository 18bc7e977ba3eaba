"""What the crash tests share: real `fireline worker` processes that a test freezes, kills
with SIGKILL and starts again, and incidents declared in waves meanwhile.

A crash test is only worth something if its kills land while a worker is in the middle of
its work. Killing at moments drawn from the clock leaves that to luck (on a busy machine a
restarted worker may still be importing when its next kill comes), so the tests here kill
a worker only where it cannot get out of its work: one whose send a receiver holds
(frozen with SIGSTOP, which it cannot notice or finish anything under, then checked to own
that connection), or one that stopped itself mid-step (`tests.stopping_worker`), checked
to hold an open write transaction in the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import psutil
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from fireline.bootstrap import Context
from fireline.domain.incident import Draft
from fireline.services.incidents import declare_incidents
from tests.stopping_worker import STOPPED_MID_STEP
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parent.parent
WAL_WRITE_LOCK = 120
"""The byte of SQLite's `-shm` file that a connection locks for writing from the start of a
write transaction to its end (https://sqlite.org/walformat.html, "the WAL write lock")."""


def worker_env(database_url: str, policy: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    return env | {
        "FIRELINE_DATABASE_URL": database_url,
        "FIRELINE_POLICY": str(policy),
        "FIRELINE_DATA_DIR": str(data_dir),
        "FIRELINE_MIGRATE_ON_START": "0",
    }


def start_worker(
    env: dict[str, str], log: Path, *, stopping: bool = False
) -> subprocess.Popen[bytes]:
    """A real worker writing to `log`; `stopping`: one that stops itself in the middle of
    its first firing step (`tests.stopping_worker`)."""
    program = "tests.stopping_worker" if stopping else "fireline"
    command = ["worker"] if not stopping else []
    with log.open("a") as output:
        return subprocess.Popen(
            [sys.executable, "-m", program, *command, "--batch", "3", "--poll", "0.05"],
            cwd=ROOT,  # where `tests` is a package
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


class Workers:
    """`count` real workers, each writing its own log in `logs`; those in `stopping` stop
    themselves in the middle of their first firing step (`tests.stopping_worker`). `kill(i)` kills
    worker i with SIGKILL, waits until it is gone, counts the kill and starts the worker
    again; `frozen(i)` stops it (SIGSTOP) for the block. All are stopped on leaving."""

    def __init__(
        self, env: dict[str, str], logs: Path, *, count: int, stopping: frozenset[int] = frozenset()
    ) -> None:
        self.env, self.logs, self.count = env, logs, count
        self.stopping = set(stopping)
        self.kills = 0
        self.started = 0
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log_of: list[Path] = []

    def __enter__(self) -> Workers:
        self.logs.mkdir(exist_ok=True)
        for index in range(self.count):
            process, log = self._start(index)
            self.processes.append(process)
            self.log_of.append(log)
        return self

    def _start(self, index: int) -> tuple[subprocess.Popen[bytes], Path]:
        self.started += 1
        log = self.logs / f"worker-{self.started}.log"
        return start_worker(self.env, log, stopping=index in self.stopping), log

    def kill(self, index: int, *, stopping: bool | None = None) -> None:
        """Kill worker `index` (frozen or not), wait until it is gone, and start it again:
        as one that stops itself mid-step if `stopping` (None: as it was)."""
        process = self.processes[index]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=120)  # a hang guard: SIGKILL cannot be refused
        self.kills += 1
        if stopping is not None:
            (self.stopping.add if stopping else self.stopping.discard)(index)
        self.processes[index], self.log_of[index] = self._start(index)

    def has_stopped_mid_step(self, index: int) -> bool:
        """Whether worker `index`, one that stops itself (`stopping`), has stopped in the
        middle of a firing step (its log says so)."""
        return STOPPED_MID_STEP in self.log_of[index].read_text()

    @contextmanager
    def frozen(self, index: int) -> Iterator[subprocess.Popen[bytes]]:
        """Worker `index` stopped (every thread of it) for the block, then continued, unless
        the block killed it."""
        process = self.processes[index]
        process.send_signal(signal.SIGSTOP)
        try:
            # The signal is asynchronous: wait until no thread of it can run any more.
            eventually(
                lambda: _is_stopped(process.pid), what=f"worker {index} stopped", poll_s=0.001
            )
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)

    def is_working(self, index: int) -> bool:
        """Whether worker `index` has built its context and entered its loop (its log says
        "worker … started: policy …"): the writes of its start-up are behind it."""
        return " started: policy " in self.log_of[index].read_text()

    def owner_of(self, port: int) -> int | None:
        """The worker with an open TCP connection whose local port is `port`, if any."""
        for index, process in enumerate(self.processes):
            if port in _local_ports(process.pid):
                return index
        return None

    def output(self) -> str:
        """Every worker's log, the killed ones' included."""
        return "".join(log.read_text() for log in sorted(self.logs.glob("worker-*.log")))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)  # a frozen process ignores SIGTERM
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)  # a hang guard
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def in_write_transaction(pid: int, database_url: str, engine: Engine) -> bool:
    """Whether process `pid` (frozen or waiting, so that this cannot change) is inside an open write
    transaction: on PostgreSQL, a connection of it is idle in a transaction that holds a
    transaction ID (it has locked or written rows; a worker's reads never get one); on
    SQLite, it holds the WAL write lock (taken at BEGIN IMMEDIATE, released at the end)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        server = url.port or 5432
        ports = _local_ports(pid, remote_port=server)
        if not ports:
            return False
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(:ports)"
            " AND state = 'idle in transaction' AND backend_xid IS NOT NULL"
        )
        with engine.connect() as connection:
            return bool(connection.execute(query, {"ports": sorted(ports)}).scalar_one())
    return _holds_lock(pid, Path(f"{url.database}-shm"), "POSIX", WAL_WRITE_LOCK)


def holds_write_turn(pid: int, database_url: str) -> bool:
    """Whether process `pid` (frozen) keeps other writers of an SQLite database waiting: it
    is in a write transaction, or holds the writers' queue around one (`.writer-lock`,
    see `fireline.adapters.db.writers`). Never on PostgreSQL, whose workers skip what
    another holds."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return False
    return _holds_lock(pid, Path(f"{url.database}-shm"), "POSIX", WAL_WRITE_LOCK) or (
        _holds_lock(pid, Path(f"{url.database}.writer-lock"), "FLOCK", 0)
    )


def _holds_lock(pid: int, path: Path, kind: str, offset: int) -> bool:
    """Whether process `pid` holds a write lock of `kind` (POSIX, FLOCK) on `path` covering
    byte `offset`, as /proc/locks lists them."""
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        return False
    for line in Path("/proc/locks").read_text().splitlines():
        # "1: POSIX  ADVISORY  WRITE 3886 fe:00:2148235 120 120"; waiters have a "->".
        fields = line.split()
        if len(fields) < 8 or fields[1] != kind or fields[3] != "WRITE":
            continue
        last = int(fields[7]) if fields[7] != "EOF" else offset
        if (
            fields[4] == str(pid)
            and fields[5].endswith(f":{inode}")
            and int(fields[6]) <= offset <= last
        ):
            return True
    return False


def declare_wave(context: Context, wave: int, count: int) -> None:
    """Declare `count` Sev-1 incidents now, in one transaction."""
    drafts = [
        (
            Draft(title=f"wave {wave} #{i}", type="infrastructure", reporter="ana", severity=1),
            datetime.now(UTC),
        )
        for i in range(count)
    ]
    results = declare_incidents(context.database, context.policies, drafts)
    assert all(not isinstance(r, Exception) for r in results)


def _local_ports(pid: int, *, remote_port: int | None = None) -> set[int]:
    """The local ports of process `pid`'s established TCP connections (to `remote_port`)."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return set()
    return {
        c.laddr.port
        for c in connections
        if c.status == psutil.CONN_ESTABLISHED
        and c.raddr
        and (remote_port is None or c.raddr.port == remote_port)
    }


def _is_stopped(pid: int) -> bool:
    """Whether no thread of process `pid` can run: stopped, or dead."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return True
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):  # a thread that just ended
            continue
        if stat[stat.rindex(")") + 2] not in "tTZX":
            return False
    return True
