"""Live: a real `fireline serve` answers every route the way its OpenAPI document says.

schemathesis reads `/openapi.json` from the running server and sends generated requests,
valid and invalid, to every operation (its coverage and fuzzing phases), as a viewer and then
as an admin. Every answer must be no server error and must match the document: a documented
status code and media type, a body of the documented schema, the documented headers.

Generation is derandomized with a fixed seed and bounded (about 2,700 requests per backend).
Later requests reuse what earlier answers held (IDs, names), so the seeded objects (people,
a team, a service, incidents in several states, an override on the policy's schedule) are
reached, not only 404s; answers carry today's date in incident IDs, so the requests can
differ from day to day, but whatever is sent, every answer must conform.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import yaml
from schemathesis import Case
from schemathesis.engine import events

from fireline.adapters.policy_file import load_preset
from tests.e2e.conftest import Server, base_env, start_server

pytestmark = pytest.mark.e2e

ACTOR = "alex"
"""The admin whose token sends every request."""

CHECKS = {
    "enabled": False,  # only these:
    "not_a_server_error": {"enabled": True},
    "status_code_conformance": {"enabled": True},
    "content_type_conformance": {"enabled": True},
    "response_schema_conformance": {"enabled": True},
    "response_headers_conformance": {"enabled": True},
}

CONFIG = {
    "seed": 11,
    "generation": {
        "mode": "all",  # valid and invalid requests: errors must be documented too
        "max-examples": 12,  # fuzzing examples per operation: bounds the run's time
        "deterministic": True,
        "no-shrink": True,  # a failure is reported as found; the seed reproduces it
        "database": "none",
    },
    "workers": 1,
    "cache": {"enabled": False},  # no .schemathesis/ folder in the work tree
    "phases": {"stateful": {"enabled": False}},
}
VIEWER_CONFIG = {
    **CONFIG,
    "generation": {**CONFIG["generation"], "max-examples": 3},
    "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": False}},
}


def write_policy(directory: Path) -> Path:
    """The default preset with a schedule that has members, so schedule routes have shifts
    to read."""
    document = dict(load_preset("default").document)
    document["schedules"] = [
        *document["schedules"],
        {
            "name": "primary",
            "layers": [
                {"name": "weekly", "members": [ACTOR, "riley"], "shift": "7d",
                 "starts": "2026-01-05T09:00"},
            ],
        }
    ]  # fmt: skip
    path = directory / "policy.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture
def seeded_server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    env = base_env(tmp_path, database_url)
    env["FIRELINE_POLICY"] = str(write_policy(tmp_path))
    for server in start_server(env, tmp_path):
        made = server.local(
            "user", "create", ACTOR, "--email", f"{ACTOR}@example.test", "--role", "admin",
            "--no-password",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        _seed(server)
        yield server


def _seed(server: Server) -> None:
    """People, a team, a service, incidents in several states and an override, through the
    API."""
    with httpx.Client(base_url=server.url, headers=server.headers(ACTOR), timeout=30) as api:
        writes = [
            ("POST", "/api/v1/users", {"name": "riley", "email": "riley@example.test",
                                        "role": "responder"}),
            ("POST", "/api/v1/users", {"name": "vic", "email": "vic@example.test",
                                        "role": "viewer"}),
            ("POST", "/api/v1/teams", {"name": "payments", "description": "Payments"}),
            ("PUT", "/api/v1/teams/payments/members/riley", None),
            ("POST", "/api/v1/services", {"name": "checkout", "criticality": "mission_critical",
                                           "team": "payments"}),
            ("POST", "/api/v1/incidents", {"title": "Checkout fails", "type": "infrastructure",
                                            "severity": 1, "services": ["checkout"]}),
            ("POST", "/api/v1/incidents", {"title": "Slow search", "type": "performance"}),
            ("POST", "/api/v1/incidents", {"title": "Leaked key", "type": "security"}),
            ("POST", "/api/v1/schedules/primary/overrides", {
                "person": "riley", "starts_at": "2100-01-01T00:00:00Z",
                "ends_at": "2100-01-02T00:00:00Z"}),
        ]  # fmt: skip
        for method, path, body in writes:
            answer = api.request(method, path, json=body)
            assert answer.is_success, (method, path, answer.text)
        ids = [item["id"] for item in api.get("/api/v1/incidents").json()["items"]]
        for method, path, body in [
            ("POST", f"/api/v1/incidents/{ids[0]}/acknowledge", None),
            ("PUT", f"/api/v1/incidents/{ids[0]}/roles/incident_commander", {"person": "riley"}),
            ("PUT", f"/api/v1/incidents/{ids[0]}/access/vic", None),
            ("POST", f"/api/v1/incidents/{ids[1]}/status", {"status": "resolved"}),
        ]:
            answer = api.request(method, path, json=body)
            assert answer.is_success, (method, path, answer.text)


def test_every_answer_is_what_the_openapi_document_says(seeded_server: Server) -> None:
    # A viewer is refused every change (403) and reads what it may: fewer examples suffice.
    # First, because the admin's run may deactivate the viewer or revoke the viewer's token.
    as_viewer = run_schemathesis(seeded_server, "vic", VIEWER_CONFIG)
    as_admin = run_schemathesis(seeded_server, ACTOR, CONFIG)
    failures = [f"as {user}: {failure}" for user, run in (("vic", as_viewer), (ACTOR, as_admin))
                for failure in run.failures]  # fmt: skip
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)
    assert as_admin.untested == [], "every operation is tested"
    assert as_viewer.untested == []


@dataclass
class Run:
    failures: list[str] = field(default_factory=list)
    """Each failed check as readable text, starting with the check's name."""
    untested: list[str] = field(default_factory=list)
    """Operations no case reached (skipped, or not generated)."""
    cases: Counter[str] = field(default_factory=Counter)
    """Cases sent, by phase."""


def run_schemathesis(server: Server, user: str, settings: dict[str, Any]) -> Run:
    """One schemathesis run against `server` as `user` (with an admin-scope token)."""
    config = schemathesis.Config.from_dict(
        {**settings, "headers": server.headers(user), "checks": CHECKS}
    )
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)
    token_id = _token_id(server, user)

    @schema.hook
    def filter_case(context: schemathesis.HookContext, case: Case) -> bool:
        return not _locks_the_actor_out(case, user, token_id)

    run = Run()
    tested: set[str] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise event.exception
        if not isinstance(event, events.ScenarioFinished):
            continue
        run.cases[event.phase.value] += len(event.recorder.cases)
        if event.recorder.cases and event.label:
            tested.add(event.label)
        for results in event.recorder.checks.values():
            for check in results:
                if check.failure_info is not None:
                    failure = check.failure_info.failure
                    run.failures.append(
                        f"{check.name}: {event.label}: {failure.title}\n{failure.message}\n"
                        f"{check.failure_info.code_sample}"
                    )
    operations = [result.ok().label for result in schema.get_all_operations()]
    run.untested = sorted(set(operations) - tested)
    print(f"schemathesis as {user}: {sum(run.cases.values())} cases {dict(run.cases)}")
    return run


def _token_id(server: Server, user: str) -> int:
    """The ID of the token `server.headers(user)` sends."""
    secret = server.token(user)
    mine = httpx.get(f"{server.url}/api/v1/tokens", headers=server.headers(user)).json()
    token_id: int = next(t["id"] for t in mine["items"] if secret.startswith(t["prefix"]))
    return token_id


def _locks_the_actor_out(case: Case, user: str, token_id: int) -> bool:
    """Requests that would revoke the user's token or change the user's own role or state:
    every later request would then be refused, and test nothing."""
    path, params = case.operation.path, case.path_parameters or {}
    if case.method == "DELETE" and path == "/api/v1/tokens/{token_id}":
        return bool(params.get("token_id") == token_id)
    return case.method == "PATCH" and path == "/api/v1/users/{name}" and params.get("name") == user
