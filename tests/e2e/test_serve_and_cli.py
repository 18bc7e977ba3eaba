"""As a new user would: start the demo server, declare by HTTP and by CLI, find it again."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.conftest import Server, base_env, start_server
from tests.notifying import preset_text

WORKER_KINDS = {"initial_notice", "delivery"}
"""What the worker writes on a timeline under the default preset, whenever it gets there."""

ID_FORMAT = re.compile(r"^INC-\d{4}-\d{4}-\d{3,}$")


def test_the_demo_server_has_a_believable_organisation(demo_server: Server) -> None:
    assert "demo mode: added a demo organisation" in demo_server.log.read_text()
    page = httpx.get(
        f"{demo_server.url}/api/v1/incidents",
        params={"limit": 200},
        headers=demo_server.headers("admin"),
    ).json()
    incidents = page["items"]
    assert len(incidents) == 12
    assert {i["severity"] for i in incidents} == {1, 2, 3, 4}
    assert len({i["status"] for i in incidents}) >= 5
    assert len({i["type"] for i in incidents}) >= 5
    services = httpx.get(
        f"{demo_server.url}/api/v1/services", headers=demo_server.headers()
    ).json()["items"]
    assert {s["criticality"] for s in services} >= {"mission_critical", "administrative"}


def test_demo_people_sign_in_with_their_documented_passwords(demo_server: Server) -> None:
    log = demo_server.log.read_text()
    for line in ("admin / demo-password-admin / admin", "priya / demo-password-priya / reporter"):
        assert line in log
    with httpx.Client(base_url=demo_server.url) as browser:
        form = browser.get("/login")
        csrf = browser.cookies["fireline_login_csrf"]
        assert f'value="{csrf}"' in form.text
        signed_in = browser.post(
            "/login",
            data={"name": "priya", "password": "demo-password-priya", "csrf_token": csrf},
        )
        assert signed_in.status_code == 303
        me = browser.get("/api/v1/me").json()
        assert (me["name"], me["role"]) == ("priya", "reporter")
        mine = browser.get("/api/v1/incidents", params={"limit": 200}).json()["items"]
        assert mine
        assert {i["reporter"] for i in mine} == {"priya"}


def test_declare_by_http_and_cli_then_list_filter_search_and_read_the_timeline(
    demo_server: Server,
) -> None:
    by_http = httpx.post(
        f"{demo_server.url}/api/v1/incidents",
        json={
            "title": "Zebra gateway refuses connections",
            "type": "infrastructure",
            "services": ["checkout"],
            "impact": "high",
            "urgency": "high",
        },
        headers=demo_server.headers(),
    )
    assert by_http.status_code == 201
    http_id = by_http.json()["id"]
    assert ID_FORMAT.match(http_id)

    declared = demo_server.cli(
        "incident",
        "declare",
        "--title",
        "Quokka reports are empty",
        "--type",
        "data",
        "--service",
        "data-warehouse",
        "--severity",
        "3",
        "--json",
    )
    assert declared.returncode == 0, declared.stderr
    cli_id = json.loads(declared.stdout)["id"]
    assert ID_FORMAT.match(cli_id)
    assert cli_id != http_id

    listed = demo_server.cli("incident", "list", "--json", "--search", "quokka")
    assert [i["id"] for i in json.loads(listed.stdout)["items"]] == [cli_id]
    filtered = demo_server.cli(
        "incident", "list", "--json", "--severity", "1", "--status", "open", "--service", "checkout"
    )
    assert http_id in [i["id"] for i in json.loads(filtered.stdout)["items"]]
    mine = demo_server.cli("incident", "list", "--json", "--mine")
    assert {i["id"] for i in json.loads(mine.stdout)["items"]} == {http_id, cli_id}

    table = demo_server.cli("incident", "list", "--search", "zebra gateway")
    assert table.returncode == 0
    assert http_id in table.stdout

    assert demo_server.cli("incident", "ack", cli_id).returncode == 0
    assert (
        demo_server.cli("incident", "status", cli_id, "identified", "--note", "bad ETL").returncode
        == 0
    )
    assert demo_server.cli("incident", "comment", cli_id, "Rerunning the load").returncode == 0
    assert (
        demo_server.cli("incident", "assign", cli_id, "incident_commander", "sam").returncode == 0
    )
    updated = demo_server.cli(
        "incident", "update", cli_id, "--severity", "2", "--reason", "finance close"
    )
    assert updated.returncode == 0, updated.stderr

    shown = demo_server.cli("incident", "show", cli_id, "--json")
    # What people did, in order; the worker's entries (the initial notice, its delivery)
    # land between them whenever it gets there, so they are left out here.
    timeline = json.loads(shown.stdout)["timeline"]
    kinds = [e["kind"] for e in timeline if e["kind"] not in WORKER_KINDS]
    assert kinds == [
        "declared",
        "severity_decided",
        "acknowledged",
        "status_changed",
        "status_changed",
        "comment",
        "role_assigned",
        "severity_changed",
    ]
    human = demo_server.cli("incident", "show", cli_id)
    assert "Rerunning the load" in human.stdout
    assert "identified" in human.stdout


def test_the_cli_exit_codes_say_who_refused(demo_server: Server) -> None:
    refused = demo_server.cli("incident", "declare", "--title", "x", "--type", "outage")
    assert refused.returncode == 1
    assert "allowed: performance" in refused.stderr
    illegal = demo_server.cli("incident", "status", "INC-2000-0101-001", "closed")
    assert illegal.returncode == 1
    assert "no incident" in illegal.stderr
    usage = demo_server.cli("incident", "declare", "--type", "data")
    assert usage.returncode == 2
    nothing = demo_server.cli("incident", "update", "INC-2000-0101-001")
    assert nothing.returncode == 2


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "fireline", "incident", "list"],
        env={**env, "FIRELINE_URL": "http://127.0.0.1:9", "FIRELINE_TOKEN": "flt_unused"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "cannot reach Fireline at http://127.0.0.1:9" in result.stderr


def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "fireline", "serve"],
        env={**env, "FIRELINE_LOG_LEVEL": "loud"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "FIRELINE_LOG_LEVEL" in lines[0]
    assert "allowed: debug, info, warning, error" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_policy_with_a_typo_stops_start_up_naming_file_and_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("fireline_policy: 1\nname: broken\nseverites: []\n")
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "fireline", "serve"],
        env={**env, "FIRELINE_POLICY": str(policy)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"{policy}:3" in result.stderr
    assert "severites" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_prints_server_text_as_written_never_as_markup(demo_server: Server) -> None:
    title = "Disk [/data] full [bold]now[/bold] \x1b[31mred"
    created = httpx.post(
        f"{demo_server.url}/api/v1/incidents",
        json={
            "title": title,
            "type": "infrastructure",
            # A reporter must be a person now (issue 11), and names allow no brackets: the
            # description carries the link markup instead.
            "description": "[link=https://evil.example]ana[/link]",
        },
        headers=demo_server.headers(),
    )
    assert created.status_code == 201
    incident_id = created.json()["id"]
    listed = demo_server.cli("incident", "list", "--search", "disk data")
    shown = demo_server.cli("incident", "show", incident_id)
    for result in (listed, shown):
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert "\x1b[31m" not in result.stdout
    assert "[/data]" in shown.stdout
    assert "[bold]now[/bold]" in shown.stdout
    assert "[link=https://evil.example]" in shown.stdout


def test_demo_incidents_are_not_added_under_a_policy_that_sends_off_the_machine(
    tmp_path: Path,
) -> None:
    # Found in review: demo incidents' later escalations went to a real policy's rooms.
    text = preset_text("handbook_004") + (
        "channels:\n  - {kind: webhook, name: hooks, url: 'https://hooks.example.com/x', "
        "secret: a-webhook-secret-of-some-length}\n"
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    env = base_env(data, f"sqlite:///{data / 'fireline.db'}") | {"FIRELINE_POLICY": str(policy)}
    for server in start_server(env, data, "--demo"):
        log = server.log.read_text()
        assert "no demo incidents added: the policy's channels hooks would send" in log
        listed = httpx.get(f"{server.url}/api/v1/incidents", headers=server.headers("admin"))
        assert listed.json()["items"] == []
