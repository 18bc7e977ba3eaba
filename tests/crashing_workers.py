"""What the crash tests share: real `fireline worker` processes, one of them killed with
SIGKILL and restarted at random moments, and incidents declared in waves meanwhile."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from fireline.bootstrap import Context
from fireline.domain.incident import Draft
from fireline.services.incidents import declare_incidents


def worker_env(database_url: str, policy: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    return env | {
        "FIRELINE_DATABASE_URL": database_url,
        "FIRELINE_POLICY": str(policy),
        "FIRELINE_DATA_DIR": str(data_dir),
        "FIRELINE_MIGRATE_ON_START": "0",
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("a") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "fireline", "worker", "--batch", "3", "--poll", "0.05"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


class CrashingWorkers:
    """Two workers: one left alone, one killed every `every` seconds (uniformly drawn from
    that range) by `tick()` and started again. Both are stopped on leaving the block."""

    def __init__(
        self, env: dict[str, str], log: Path, *, every: tuple[float, float], seed: int
    ) -> None:
        self.env, self.log, self.every = env, log, every
        self.rng = random.Random(seed)
        self.kills = 0

    def __enter__(self) -> CrashingWorkers:
        self.steady = start_worker(self.env, self.log)
        self.victim = start_worker(self.env, self.log)
        self.kill_at = time.monotonic() + self.rng.uniform(*self.every)
        return self

    def tick(self) -> None:
        """Kill the victim and start it again, if its time has come."""
        if time.monotonic() < self.kill_at:
            return
        self.victim.send_signal(signal.SIGKILL)
        self.victim.wait()
        self.kills += 1
        self.victim = start_worker(self.env, self.log)
        self.kill_at = time.monotonic() + self.rng.uniform(*self.every)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for process in (self.steady, self.victim):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


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
