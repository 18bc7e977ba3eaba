"""Bulk-load incidents straight into a migrated Fireline database (not through the API).

Fills what the application keeps for a declared incident: `incidents` (with PostgreSQL's
`search_vector`, built from the same word splitting as the adapter), `incident_services`,
the two declaration events on `timeline`, and `incident_sequences` (so that the server's
next ID on a loaded day does not collide). SQLite's FTS5 index is rebuilt once after the
load instead of row by row; secondary indexes are dropped and recreated around it.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from fireline.adapters.db import create_database_engine
from fireline.adapters.db.search import split_words
from fireline.adapters.db.tables import (
    INCIDENT_FIELDS,
    incident_sequences,
    incident_services,
    incidents,
    timeline,
)
from fireline.bootstrap import build_context, prepare_storage
from fireline.domain.policy import Service
from fireline.services.catalog import create_service
from fireline.settings import load_settings
from vocab import LABELS, RARE_WORDS, REPORTERS, SERVICES, TEAMS, TYPE_WEIGHTS, TYPES, WORDS

CHUNK = 20_000
SPAN = timedelta(days=730)
TIERS = ("mission_critical", "business_critical", "business_operational", "administrative")
MATRIX = {"high": ("P1", "P2", "P3"), "medium": ("P2", "P3", "P4"), "low": ("P3", "P4", "P4")}
LEVELS = ("high", "medium", "low")
STATUSES = ("closed", "resolved", "open", "investigating", "identified", "monitoring")
STATUS_WEIGHTS = (80.0, 16.0, 1.0, 1.5, 0.8, 0.7)
PAUSED = ("waiting_for_info", "on_hold")
_WORD_CUM = list(accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(WORDS))))
_REPORTER_CUM = list(accumulate(1 / (rank + 1) for rank in range(len(REPORTERS))))


def prepare_database(url: str, data_dir: Path) -> None:
    """Migrate an empty database, record the default policy and create the service catalog."""
    settings = load_settings({"FIRELINE_DATABASE_URL": url, "FIRELINE_DATA_DIR": str(data_dir)})
    prepare_storage(settings)
    context = build_context(settings)
    for name, tier, team in SERVICES:
        service = Service(name, tier, team, is_customer_facing=tier != "administrative")
        create_service(context.database, context.policies.current, service)
    context.database.engine.dispose()


def count_incidents(url: str) -> int:
    engine = create_database_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(incidents)).scalar_one())
    finally:
        engine.dispose()


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=_WORD_CUM, k=count))


def generate(count: int, seed: int = 7) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
    """Chunks of (incident rows, their services per row) in declaration order."""
    rng = random.Random(seed)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    start, step = end - SPAN, SPAN / count
    per_day: Counter[date] = Counter()
    rows: list[dict[str, Any]] = []
    for i in range(count):
        at = start + step * i + step * rng.random() * 0.9
        day = at.date()
        per_day[day] += 1
        services = rng.sample(SERVICES, 2 if rng.random() < 0.15 else 1)
        impact, urgency = rng.choices(LEVELS, (10, 40, 50))[0], rng.choices(LEVELS, (8, 42, 50))[0]
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        resume = None
        if status == "investigating" and rng.random() < 0.2:
            status, resume = rng.choice(PAUSED), "investigating"
        description = _words(rng, rng.randint(12, 30))
        if rng.random() < len(RARE_WORDS) / 20_000:
            description += " " + rng.choice(RARE_WORDS)
        reporter = rng.choices(REPORTERS, cum_weights=_REPORTER_CUM)[0]
        minutes = timedelta(minutes=rng.randint(2, 60))
        done = status in ("resolved", "closed")
        row_type = rng.choices(TYPES, TYPE_WEIGHTS)[0]
        row: dict[str, Any] = {
            "pk": i + 1,  # explicit, so links can point at it; listing order is pk order
            "id": f"INC-{day:%Y}-{day:%m%d}-{per_day[day]:03d}",
            "title": _words(rng, rng.randint(4, 8)).capitalize(),
            "description": description,
            "type": row_type,
            "severity": rng.choices((1, 2, 3, 4), (3, 12, 45, 40))[0],
            "impact": impact,
            "urgency": urgency,
            "priority": MATRIX[urgency][LEVELS.index(impact)],
            "services": json.dumps([s[0] for s in services]),
            "criticality": min((s[1] for s in services), key=TIERS.index),
            "reporter": reporter,
            "owner": rng.choice(REPORTERS) if status != "open" else None,
            "team": services[0][2] if rng.random() < 0.9 else rng.choice(TEAMS),
            "support_tier": rng.choice((None, 1, 2, 3)),
            "steps_to_reproduce": _words(rng, 8) if rng.random() < 0.2 else "",
            "links": json.dumps([f"https://status.example.com/{i}"] if i % 4 == 0 else []),
            "labels": json.dumps(rng.sample(LABELS, rng.choice((0, 1, 1, 2)))),
            "status": status,
            "resume_status": resume,
            "policy_version": 1,
            "declared_at": at,
            "reported_at": at,
            "detected_at": at - minutes if rng.random() < 0.5 else None,
            "acknowledged_at": at + minutes if status != "open" else None,
            "acknowledged_by": reporter if status != "open" else None,
            "identified_at": at + 2 * minutes if status not in ("open", "investigating") else None,
            "resolved_at": at + 6 * minutes if done else None,
            "closed_at": at + timedelta(days=2) if status == "closed" else None,
            # As the default policy does it: security incidents are restricted.
            "is_restricted": row_type == "security",
        }
        for name in ("acknowledged_at", "identified_at", "resolved_at", "closed_at"):
            if row[name] is not None and row[name] > end:
                row[name] = end  # nothing happened after the load's "now"
        rows.append(row)
        if len(rows) == CHUNK:
            yield rows, _sequence_rows(per_day)
            rows = []
    if rows:
        yield rows, _sequence_rows(per_day)


def _sequence_rows(per_day: Counter[date]) -> list[str]:
    return [f"{day.isoformat()}:{last}" for day, last in per_day.items()]


def _refs(row: dict[str, Any], table: Any) -> dict[str, Any]:
    """The columns by which a child row of `table` points at its incident (schema-agnostic)."""
    names = {c.name for c in table.columns}
    refs = {"incident_id": row["id"], "incident_pk": row["pk"], "declared_at": row["declared_at"]}
    return {name: value for name, value in refs.items() if name in names}


def _events(row: dict[str, Any]) -> list[dict[str, Any]]:
    common = {**_refs(row, timeline), "at": row["declared_at"], "before_value": "null"}
    declared = {"severity": row["severity"], "type": row["type"], "policy_version": 1}
    return [
        {
            **common,
            "kind": "declared",
            "actor": row["reporter"],
            "summary": f"{row['reporter']} declared {row['id']}: {row['title']}",
            "field": None,
            "after_value": json.dumps(declared),
            "note": None,
        },
        {
            **common,
            "kind": "severity_decided",
            "actor": "fireline",
            "summary": f"severity {row['severity']}, as the reporter chose",
            "field": "severity",
            "after_value": json.dumps(row["severity"]),
            "note": "reporter",
        },
    ]


def load(url: str, count: int) -> None:
    """Insert `count` incidents into the (migrated, empty) database at `url`, then ANALYZE."""
    engine = create_database_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            _load_sqlite(engine, count)
        else:
            _load_postgresql(engine, count)
    finally:
        engine.dispose()


def _drop_secondary(conn: Connection, sqlite: bool) -> list[str]:
    """Drop the plain (non-constraint) indexes on the loaded tables; returns their DDL."""
    if sqlite:
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql "
            "IS NOT NULL AND tbl_name IN ('incidents', 'incident_services', 'timeline') "
            "AND name NOT LIKE 'timeline_append_only%'"
        )
    else:
        sql = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('incidents', "
            "'incident_services', 'timeline') AND indexname NOT IN (SELECT conname FROM "
            "pg_constraint)"
        )
    found = [(str(name), str(ddl)) for name, ddl in conn.execute(text(sql))]
    for name, ddl in found:
        kind = "TRIGGER" if ddl.upper().startswith("CREATE TRIGGER") else "INDEX"
        conn.execute(text(f'DROP {kind} "{name}"'))
    return [ddl for _, ddl in found]


def _load_sqlite(engine: Engine, count: int) -> None:
    sequences: list[str] = []
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA cache_size=-400000")
        recreate = _drop_secondary(conn, sqlite=True)
        for rows, sequences_so_far in generate(count):
            sequences = sequences_so_far
            conn.execute(incidents.insert(), rows)
            conn.execute(incident_services.insert(), _links(rows))
            conn.execute(timeline.insert(), [e for row in rows for e in _events(row)])
        conn.execute(text("INSERT INTO incidents_fts(incidents_fts) VALUES ('rebuild')"))
        _fill_search_words(conn)
        _write_sequences(conn, sequences)
        for ddl in recreate:
            conn.execute(text(ddl))
        conn.exec_driver_sql("ANALYZE")


def _fill_search_words(conn: Connection) -> None:
    """The word list prefix searches expand through (the adapter keeps it on every write)."""
    words: set[str] = set()
    for title, description in conn.execute(text("SELECT title, description FROM incidents")):
        words.update(split_words(f"{title} {description}"))
    conn.execute(
        text("INSERT INTO search_words (word) VALUES (:word) ON CONFLICT DO NOTHING"),
        [{"word": word} for word in sorted(words)],
    )


def _load_postgresql(engine: Engine, count: int) -> None:
    columns = ["pk", *INCIDENT_FIELDS, "search_vector"]
    sequences: list[str] = []
    with engine.begin() as conn:
        recreate = _drop_secondary(conn, sqlite=False)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for rows, sequences_so_far in generate(count):
            sequences = sequences_so_far
            with cursor.copy(f"COPY incidents ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    words = split_words(f"{row['title']} {row['description']}")
                    vector = " ".join(f"'{word}'" for word in words)
                    copy.write_row([*(row[name] for name in columns[:-1]), vector])
            links = _links(rows)
            with cursor.copy(f"COPY incident_services ({', '.join(links[0])}) FROM STDIN") as copy:
                for link in links:
                    copy.write_row(list(link.values()))
            event_columns = list(_events(rows[0])[0])
            with cursor.copy(f"COPY timeline ({', '.join(event_columns)}) FROM STDIN") as copy:
                for row in rows:
                    for event in _events(row):
                        copy.write_row([event[name] for name in event_columns])
        _write_sequences(conn, sequences)
        _fill_search_words(conn)
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('incidents', 'pk'), max(pk)) FROM incidents"
        )
        conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for ddl in recreate:
            conn.execute(text(ddl))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def _links(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**_refs(row, incident_services), "service": name}
        for row in rows
        for name in json.loads(row["services"])
    ]


def _write_sequences(conn: Connection, sequences: list[str]) -> None:
    conn.execute(incident_sequences.delete())
    rows = [
        {"day": date.fromisoformat(day), "last": int(last)}
        for day, last in (item.split(":") for item in sequences)
    ]
    conn.execute(incident_sequences.insert(), rows)
