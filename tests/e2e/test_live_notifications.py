"""Live: a real `fireline serve` (its embedded worker runs a lane per channel) pages the
on-call through local receivers, and the CLI posts a stakeholder update and reads the
delivery log. Handbook 004's preset with this machine's channels, as a user would set it up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, base_env, start_server
from tests.notifying import Receivers, preset_text, receivers, write_policy
from tests.waiting import eventually


@pytest.fixture
def servers() -> Iterator[Receivers]:
    with receivers() as started:
        yield started


@pytest.fixture
def live_server(tmp_path: Path, database_url: str, servers: Receivers) -> Iterator[Server]:
    env = base_env(tmp_path, database_url)
    policy = preset_text("handbook_004") + servers.channels_yaml()
    # Executives get updates by email at a list address.
    policy = policy.replace(
        "{name: executive_team, label: Executive Team}",
        "{name: executive_team, label: Executive Team, email: execs@example.com}",
    )
    env["FIRELINE_POLICY"] = str(write_policy(tmp_path, policy))
    env["FIRELINE_PUBLIC_URL"] = "https://fireline.example.com"
    yield from start_server(env, tmp_path)


def test_serve_pages_the_on_call_and_the_cli_tells_the_executives(
    live_server: Server, servers: Receivers
) -> None:
    for args in (
        ("user", "create", "alex", "--email", "alex@example.com", "--role", "admin"),
        ("user", "create", "ana", "--email", "ana@example.com", "--role", "responder"),
    ):
        made = live_server.local(*args, "--no-password")
        assert made.returncode == 0, made.stderr
    headers = live_server.headers("alex")
    now = datetime.now(UTC)
    covered = httpx.post(
        f"{live_server.url}/api/v1/schedules/on_call/overrides",
        json={
            "person": "ana",
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
        },
        headers=headers,
    )
    assert covered.status_code == 201, covered.text
    declared = live_server.cli(
        "incident",
        "declare",
        "--title",
        "Checkout down",
        "--type",
        "infrastructure",
        "--severity",
        "2",
        "--json",
    )
    assert declared.returncode == 0, declared.stderr
    incident_id = json.loads(declared.stdout)["id"]

    eventually(lambda: len(servers.mailbox.messages) == 1, what="the page delivered")
    (page,) = servers.mailbox.messages
    assert page["To"] == "ana@example.com"
    assert f"https://fireline.example.com/api/v1/incidents/{incident_id}" in page.get_content()

    posted = live_server.cli(
        "incident",
        "post-update",
        incident_id,
        "--message",
        "Rolled back the deploy",
        "--audience",
        "executives",
    )
    assert posted.returncode == 0, posted.stderr
    assert "update sent to executives: 1 message(s) queued" in posted.stdout
    eventually(lambda: len(servers.mailbox.messages) == 2, what="the update delivered")
    update = servers.mailbox.messages[1]
    assert update["To"] == "execs@example.com"
    assert "Update: Rolled back the deploy" in update.get_content()

    log = live_server.cli("incident", "deliveries", incident_id)
    assert log.returncode == 0, log.stderr
    assert log.stdout.count("delivered") == 2
    assert "execs@example.com" not in log.stdout  # the table names people, not addresses
    assert "Traceback" not in live_server.log.read_text()
