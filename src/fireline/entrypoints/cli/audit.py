"""`fireline audit …`: export and prune the audit log on the local database.

Like `fireline user …`, these run where the server runs, against the database the settings
name, with no server or token needed (whoever can run them can read the database anyway).
Nothing else removes audit entries: there is no automatic expiry, and the database refuses
every DELETE but prune's (see docs/operations.md, "The audit log").

Dates are a day (its midnight in the policy's time zone, as in the API) or a time with an
offset. Exit codes: 0 done, 2 bad input (nothing exported or pruned).
"""

from __future__ import annotations

import csv
import getpass
import json
import socket
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TextIO
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from fireline.bootstrap import Context, prepare_storage
from fireline.domain.errors import FirelineError
from fireline.entrypoints.cli.admin import context_or_exit, settings_or_exit
from fireline.entrypoints.cli.people import CLI_ACTOR
from fireline.services import audit
from fireline.services.access_ports import RecordedAudit

audit_app = typer.Typer(help="The audit log (on the local database).", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

COLUMNS = ("seq", "at", "last_at", "count", "actor", "action", "target", "client", "detail")
"""What each exported entry has, in this order (CSV columns, JSON keys)."""


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


@audit_app.command("export")
def export(
    since: Annotated[str | None, typer.Option(help="entries at or after this date or time")] = None,
    until: Annotated[str | None, typer.Option(help="entries before this date or time")] = None,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="one JSON object a line, or CSV")
    ] = ExportFormat.JSONL,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="write to FILE (default: stdout)")
    ] = None,
) -> None:
    """Write the audit log, oldest first (export before you prune: a pruned entry is gone).

    Each entry: seq, at, last_at, count, actor, action, target, client, detail (JSON)."""
    with _local() as context:
        zone = context.policies.current.time_zone
        start, end = _instant("--since", since, zone), _instant("--until", until, zone)
        entries = audit.export_audit(context.database, since=start, until=end)
        if output is None:
            _write(entries, export_format, sys.stdout)
            return
        try:
            with output.open("w", encoding="utf-8", newline="") as file:
                count = _write(entries, export_format, file)
        except OSError as error:
            _fail(f"cannot write {output}: {error.strerror}")
    out.print(f"exported {count} entries to {output}", highlight=False, markup=False)


@audit_app.command("prune")
def prune(
    before: Annotated[str, typer.Option(help="delete the entries that ended before this")],
) -> None:
    """Delete the entries that ended before a date, and record who did it in the log.

    Only older entries can go; the rest stay append-only. The date may not be in the future."""
    with _local() as context:
        cutoff = _instant("--before", before, context.policies.current.time_zone)
        if cutoff is None:  # unreachable: typer requires the option
            _fail("--before is required")
        try:
            removed = audit.prune_audit(
                context.database,
                before=cutoff,
                actor=CLI_ACTOR,
                now=context.clock(),
                client=_who(),
            )
        except FirelineError as error:
            _fail(error.message)
    out.print(
        f"pruned {removed} entries before {cutoff.isoformat()} (recorded as audit.pruned)",
        highlight=False,
        markup=False,
    )


def _write(entries: Iterable[RecordedAudit], export_format: ExportFormat, file: TextIO) -> int:
    count = 0
    writer = csv.writer(file) if export_format is ExportFormat.CSV else None
    if writer is not None:
        writer.writerow(COLUMNS)
    for recorded in entries:
        row = _row(recorded)
        if writer is not None:
            writer.writerow(
                json.dumps(value) if name == "detail" else value for name, value in row.items()
            )
        else:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def _row(recorded: RecordedAudit) -> dict[str, object]:
    entry = recorded.entry
    values: dict[str, object] = {
        "seq": recorded.seq,
        "at": entry.at.isoformat(),
        "last_at": (entry.last_at or entry.at).isoformat(),
        "count": entry.count,
        "actor": entry.actor,
        "action": entry.action.value,
        "target": entry.target,
        "client": entry.client,
        "detail": entry.detail,
    }
    return {name: values[name] for name in COLUMNS}


def _instant(option: str, text: str | None, zone: str) -> datetime | None:
    if text is None:
        return None
    try:
        if len(text) == 10:
            instant = datetime.combine(date.fromisoformat(text), time(), ZoneInfo(zone))
        else:
            instant = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"{option}: {text[:40]!r} is not a date (2026-11-25) or a time with an offset")
    if instant.tzinfo is None:
        _fail(f"{option}: needs a time zone offset, e.g. 2026-11-25T10:00:00Z")
    return instant.astimezone(UTC)


def _who() -> str:
    """The local account and machine a prune was run from (the entry's `client`)."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in this environment (getpass raises various errors)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:100]


@contextmanager
def _local() -> Iterator[Context]:
    """The server's context, its connections closed when the command is done."""
    settings = settings_or_exit()
    if settings.migrate_on_start:
        prepare_storage(settings)
    context = context_or_exit(settings)
    try:
        yield context
    finally:
        context.database.dispose()


def _fail(message: str) -> NoReturn:
    err.print("[red]error:[/red]", end=" ", highlight=False)
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(2)
