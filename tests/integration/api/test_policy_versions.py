"""Incidents keep the policy version they were declared under."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

import fireline
from fireline.bootstrap import build_context
from fireline.entrypoints.api.app import create_app
from fireline.settings import Settings
from tests.integration.api.conftest import FakeClock, declare


def test_an_incident_under_an_older_policy_keeps_its_targets_and_can_still_change(
    client: TestClient, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    old = declare(client, severity=2)
    assert old["resolution_target"]["seconds"] == 8 * 3600
    # A new policy file: the default preset with Sev-2 resolution cut to 2 hours.
    preset = Path(fireline.__file__).parent / "presets" / "default.yaml"
    edited = tmp_path / "policy.yaml"
    edited.write_text(preset.read_text().replace("resolution: 8h", "resolution: 2h", 1))
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        policy=str(edited),
        secret_key=None,
        log_level="info",
        migrate_on_start=False,
    )
    context = build_context(settings, clock=clock)
    try:
        with TestClient(create_app(context), headers=client.headers) as restarted:
            assert restarted.get("/api/v1/policy").json()["version"] == old["policy_version"] + 1
            new = declare(restarted, severity=2)
            assert new["resolution_target"]["seconds"] == 2 * 3600
            # The old incident still has its own targets, and edits to it work (they load its
            # pinned policy version inside the write transaction).
            response = restarted.patch(f"/api/v1/incidents/{old['id']}", json={"title": "Renamed"})
            assert response.status_code == 200, response.text
            assert response.json()["resolution_target"]["seconds"] == 8 * 3600
            roles = restarted.put(
                f"/api/v1/incidents/{old['id']}/roles/scribe", json={"person": "ana"}
            )
            assert roles.status_code == 200, roles.text
    finally:
        context.database.dispose()
