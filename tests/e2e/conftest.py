"""A real `fireline serve` process per test, on each backend, reached over HTTP and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port

STARTUP_TIMEOUT_S = 120
"""A hang guard for a server to start (a loaded machine can take tens of seconds)."""


@dataclass
class Server:
    url: str
    env: dict[str, str]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    """The `fireline serve` process."""

    def local(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `fireline ARGS` on the server's machine (its database; no token)."""
        return subprocess.run(
            [sys.executable, "-m", "fireline", *args],
            env={**self.env, "COLUMNS": "200"},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def token(self, user: str) -> str:
        """An admin-scope token of `user`, made once with `fireline token create`."""
        if user not in self.tokens:
            made = self.local("token", "create", "--user", user, "--scope", "admin")
            assert made.returncode == 0, made.stderr
            self.tokens[user] = made.stdout.strip()
        return self.tokens[user]

    def headers(self, user: str = "alex") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def cli(self, *args: str, user: str = "alex") -> subprocess.CompletedProcess[str]:
        """Run `fireline ARGS` against this server over HTTP, with `user`'s token."""
        env = {
            **self.env,
            "FIRELINE_URL": self.url,
            "FIRELINE_TOKEN": self.token(user),
            "COLUMNS": "200",
        }
        return subprocess.run(
            [sys.executable, "-m", "fireline", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def base_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    env.update({"FIRELINE_DATA_DIR": str(tmp_path), "FIRELINE_DATABASE_URL": database_url})
    return env


def start_server(
    env: dict[str, str],
    tmp_path: Path,
    *args: str,
    port: int | None = None,
    ready: str = "/healthz",
    program: Sequence[str] = ("-m", "fireline"),
) -> Iterator[Server]:
    """`fireline serve ARGS` on `port` (default: a free one), once `ready` answers 200 (use
    `/livez` for a server without a worker: its `/healthz` is 503 until one beats).
    `program` is what Python runs in place of `-m fireline`."""
    port = port or free_port()
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, *program, "serve", "--port", str(port), *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        # Poll for readiness; this waits for a process to start, it times nothing.
        while True:
            if process.poll() is not None:
                pytest.fail(f"fireline serve exited early:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}{ready}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"fireline serve did not answer in time:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url=url, env=env, log=log, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def demo_server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    yield from start_server(base_env(tmp_path, database_url), tmp_path, "--demo")


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    """A server on an empty database: no people, no incidents."""
    yield from start_server(base_env(tmp_path, database_url), tmp_path)
