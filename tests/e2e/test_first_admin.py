"""The README's first-admin steps on a fresh server: user, token, then the CLI with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.conftest import Server


def remote(server: Server, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**server.env, "FIRELINE_URL": server.url, "FIRELINE_TOKEN": token, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "fireline", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_first_admin_is_made_on_the_server_and_the_cli_works_with_their_token(
    server: Server,
) -> None:
    anonymous = httpx.get(f"{server.url}/api/v1/incidents")
    assert anonymous.status_code == 401

    made = server.local(
        "user",
        "create",
        "root",
        "--email",
        "root@example.test",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert made.returncode == 0, made.stderr
    assert "created root (admin)" in made.stdout
    token = server.local("token", "create", "--user", "root", "--scope", "admin")
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip()
    assert secret.startswith("flt_")
    assert len(secret) >= 40

    declared = remote(
        server,
        secret,
        "incident",
        "declare",
        "--title",
        "Disk full",
        "--type",
        "infrastructure",
        "--json",
    )
    assert declared.returncode == 0, declared.stderr
    listed = remote(server, secret, "incident", "list", "--mine", "--json")
    assert "Disk full" in listed.stdout

    me = httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["name"] == "root"
    token_id = httpx.get(
        f"{server.url}/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"}
    ).json()["items"][0]["id"]
    revoked = server.local("token", "revoke", str(token_id))
    assert revoked.returncode == 0, revoked.stderr
    refused = remote(server, secret, "incident", "list")
    assert refused.returncode == 1
    assert "refused (401)" in refused.stderr
    assert secret not in refused.stderr


def test_the_cli_without_a_token_says_how_to_get_one(server: Server) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fireline", "incident", "list"],
        env={**server.env, "FIRELINE_URL": server.url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "FIRELINE_TOKEN is not set" in result.stderr
    assert "fireline token create" in result.stderr


def test_bad_user_input_on_the_server_is_a_clear_refusal(server: Server) -> None:
    bad = server.local("user", "create", "Root", "--email", "nope", "--no-password")
    assert bad.returncode == 1
    assert "name" in bad.stderr
    assert "Traceback" not in bad.stderr
    nobody = server.local("token", "create", "--user", "ghost")
    assert nobody.returncode == 1
    assert "no user 'ghost'" in nobody.stderr


def test_the_first_admin_can_be_made_before_any_server_ran(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    env["FIRELINE_DATA_DIR"] = str(tmp_path / "new")
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "fireline",
            "user",
            "create",
            "root",
            "--email",
            "root@example.test",
            "--role",
            "admin",
            "--no-password",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert "created root (admin)" in made.stdout
    env["FIRELINE_DATA_DIR"] = str(tmp_path / "other")
    worker = subprocess.run(
        [sys.executable, "-m", "fireline", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert worker.returncode == 2
    assert "run `fireline db upgrade`" in worker.stderr
    assert "Traceback" not in worker.stderr


def test_without_a_terminal_the_password_prompt_says_what_to_do(tmp_path: Path) -> None:
    # Found by a new user: getpass's "Can not control echo" warning, then "Aborted."
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    env["FIRELINE_DATA_DIR"] = str(tmp_path / "data")
    command = [sys.executable, "-m", "fireline", "user", "create", "ana", "--email", "a@x.test"]
    for stdin, words in (
        ("", "no password given and no terminal to ask at: pass --password-stdin"),
        ("short\n", "at least 12 characters"),
    ):
        asked = subprocess.run(
            command, env=env, input=stdin, capture_output=True, text=True, timeout=60, check=False
        )
        assert asked.returncode == 2
        assert words in asked.stderr
        assert "Warning" not in asked.stderr
        assert "again:" not in asked.stderr  # a short password is refused before the repeat
