"""`fireline audit export` and `fireline audit prune` on the server's database (each backend),
through the real command line: what they write, what they remove, and what they refuse."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fireline.adapters.db.database import SqlDatabase
from fireline.domain.audit import AuditAction, AuditEntry
from fireline.entrypoints.cli.audit import COLUMNS
from fireline.entrypoints.cli.main import app
from fireline.services.access_ports import AuditQuery

runner = CliRunner()
JAN = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)  # the CLI runs on the real clock: long past
MAR = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def server(
    database: SqlDatabase, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SqlDatabase:
    """The server's database with a refusal counted three times in January and a token made
    in March; the CLI's settings point at it."""
    monkeypatch.setenv("FIRELINE_DATABASE_URL", database_url)
    monkeypatch.setenv("FIRELINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FIRELINE_POLICY", "default")
    denied = AuditEntry(JAN, "vi", AuditAction.PERMISSION_DENIED, "POST /api/v1/incidents", "ip")
    for seconds in range(3):
        with database.transaction() as store:
            store.append_audit([AuditEntry(**{**vars(denied), "at": JAN.replace(second=seconds)})])
    with database.transaction() as store:
        store.append_audit([AuditEntry(MAR, "ana", AuditAction.TOKEN_CREATED, "token 1", "ip")])
    return database


def test_export_writes_every_entry_as_a_json_line_oldest_first(server: SqlDatabase) -> None:
    result = runner.invoke(app, ["audit", "export"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [tuple(row) for row in rows] == [COLUMNS] * 2
    assert [(row["action"], row["count"]) for row in rows] == [
        ("permission.denied", 3),
        ("token.created", 1),
    ]
    assert rows[0]["at"] == JAN.isoformat()
    assert rows[0]["last_at"] == JAN.replace(second=2).isoformat()


def test_export_to_a_csv_file_between_two_dates(server: SqlDatabase, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"
    result = runner.invoke(
        app,
        [
            *("audit", "export", "--since", "2025-03-01", "--until", "2025-04-01T00:00:00+00:00"),
            *("--format", "csv", "-o", str(target)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"exported 1 entries to {target}" in result.stdout
    (header, row) = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(header) == COLUMNS
    values = dict(zip(header, row, strict=True))
    assert (values["action"], values["target"], values["count"]) == (
        "token.created",
        "token 1",
        "1",
    )
    assert json.loads(values["detail"]) == {}


def test_prune_removes_the_older_entries_and_records_who_pruned_what(server: SqlDatabase) -> None:
    result = runner.invoke(app, ["audit", "prune", "--before", "2025-02-01"])
    assert result.exit_code == 0, result.output
    assert "pruned 1 entries before 2025-02-01T00:00:00+00:00" in result.stdout
    with server.transaction(write=False) as store:
        left = store.list_audit(AuditQuery(oldest_first=True))
    assert [r.entry.action for r in left] == [AuditAction.TOKEN_CREATED, AuditAction.AUDIT_PRUNED]
    pruned = left[-1].entry
    assert pruned.actor == "fireline-cli"
    assert "@" in (pruned.client or "")  # the local account and machine
    assert pruned.detail == {"before": "2025-02-01T00:00:00+00:00", "removed": 1}
    assert datetime.now(UTC) - pruned.at < timedelta(days=1)  # it happened now, not in 2025


@pytest.mark.parametrize(
    ("before", "words"),
    [
        ("2999-01-01", "before: 2999-01-01T00:00:00+00:00 is in the future (allowed: up to now)"),
        ("last tuesday", "--before: 'last tuesday' is not a date (2026-11-25)"),
        ("2025-02-01T10:00:00", "--before: needs a time zone offset"),
    ],
)
def test_prune_refuses_a_future_or_unreadable_date_and_removes_nothing(
    server: SqlDatabase, before: str, words: str
) -> None:
    result = runner.invoke(app, ["audit", "prune", "--before", before])
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.output
    with server.transaction(write=False) as store:
        assert len(store.list_audit(AuditQuery())) == 2
