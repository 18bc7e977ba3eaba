"""The README's examples run as printed, against real servers started the way it says.

Each `sh` block of the sections below runs in bash (`set -euo pipefail`, so any failing
command fails the test), in a scratch folder that has the project's `.venv`, against a real
`fireline serve`. The only changes to the text: the server's port replaces 8000, and lines
that cannot run here are left out, each for the reason in NOT_RUN. The examples do not depend
on the database, so this runs on SQLite only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, base_env, start_server

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "a-long-readme-password"
NOT_RUN = {
    "$EDITOR": "opens an editor",
    "fireline channel test": "sends to the reader's own mail server",
}


def blocks(section: str) -> list[str]:
    """The `sh` blocks of the README section headed `## {section}`, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    body = text[start : end if end != -1 else None]
    return re.findall(r"```sh\n(.*?)```", body, flags=re.DOTALL)


def run(script: str, server: Server, folder: Path, stdin: str = "") -> str:
    """Run `script` as the reader would, in `folder`; its standard output."""
    lines = [
        line
        for line in script.splitlines()
        if not any(marker in line for marker in NOT_RUN) and not line.startswith("./scripts/")
    ]
    text = "\n".join(lines).replace("http://127.0.0.1:8000", server.url)
    env = {**server.env, "FIRELINE_URL": server.url, "COLUMNS": "120"}
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + text],
        cwd=folder,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{text}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scratch folder with the project's virtual environment, as a clone has it."""
    here = tmp_path / "clone"
    here.mkdir()
    (here / ".venv").symlink_to(Path(sys.prefix))
    return here


def _server(tmp_path: Path, *args: str, policy: str | None = None) -> Iterator[Server]:
    data = tmp_path / "data"
    data.mkdir()
    env = base_env(data, f"sqlite:///{data / 'fireline.db'}")
    if policy is not None:
        env["FIRELINE_POLICY"] = policy
    yield from start_server(env, data, *args)


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[Server]:
    yield from _server(tmp_path)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Server]:
    yield from _server(tmp_path, "--demo")


@pytest.fixture
def demo_004(tmp_path: Path) -> Iterator[Server]:
    yield from _server(tmp_path, "--demo", policy="handbook_004")


def test_the_first_admin_section_runs_as_printed(empty_server: Server, folder: Path) -> None:
    (script,) = blocks("First admin")
    # The password is asked twice (and again); standard input answers like a person would.
    out = run(script, empty_server, folder, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert "created ana (admin)" in out


def test_the_using_it_section_runs_as_printed_against_the_demo(demo: Server, folder: Path) -> None:
    (script,) = blocks("Using it")
    out = run(script, demo, folder)
    assert '"id":"INC-' in out.replace(" ", "")  # curl printed the declared incident
    assert "identified" in out
    assert "incident_commander" in out
    assert (folder / "my-policy.yaml").is_file()


def test_the_notifications_section_runs_as_printed_under_handbook_004(
    demo_004: Server, folder: Path
) -> None:
    setup, updates = blocks("Notifications")
    # The reader's shell as "Using it" left it: the CLI on PATH, the demo admin's token.
    shell = f'export PATH="$PWD/.venv/bin:$PATH"\nexport FIRELINE_TOKEN={demo_004.token("admin")}\n'
    run(shell + setup, demo_004, folder)
    out = run(shell + updates, demo_004, folder)
    # The preset's stakeholder contacts have no addresses yet: the README says so.
    assert "update recorded for executives, customer_support, but it reached nobody" in out
    assert "no messages: the timeline says whom each notice was meant for" in out
