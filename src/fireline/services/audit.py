"""The audit log as a whole: reading it, exporting it, pruning it.

Entries are written by the use cases that act. Nothing removes them but `prune_audit`, which
an administrator runs on the server (`fireline audit prune`): there is no automatic expiry.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from fireline.domain.audit import AuditAction, AuditEntry
from fireline.domain.errors import InvalidInput
from fireline.domain.timeline import JsonValue
from fireline.services.access_ports import AuditQuery, RecordedAudit
from fireline.services.ports import Database

EXPORT_PAGE = 1_000
"""Entries read per transaction while exporting: memory stays flat however long the log."""


def list_audit(database: Database, query: AuditQuery) -> list[RecordedAudit]:
    with database.transaction(write=False) as store:
        return store.list_audit(query)


def export_audit(
    database: Database, *, since: datetime | None = None, until: datetime | None = None
) -> Iterator[RecordedAudit]:
    """Every entry with `since` <= at < `until`, oldest first, read a page at a time.

    An entry still counting refusals is exported with its count as of the page's read."""
    after: int | None = None
    while True:
        query = AuditQuery(
            since=since, until=until, after=after, oldest_first=True, limit=EXPORT_PAGE
        )
        with database.transaction(write=False) as store:
            page = store.list_audit(query)
        yield from page
        if len(page) < EXPORT_PAGE:
            return
        after = page[-1].seq


def prune_audit(
    database: Database, *, before: datetime, actor: str, now: datetime, client: str | None = None
) -> int:
    """Delete the entries whose last act is before `before`, and say so in the log (an
    `audit.pruned` entry naming the actor, the date and how many went). Returns that number.

    Raises InvalidInput for a `before` later than `now`: the horizon would then let entries
    not yet written be deleted."""
    if before > now:
        raise InvalidInput("before", f"{before.isoformat()} is in the future (allowed: up to now)")
    with database.transaction() as store:
        removed = store.prune_audit(before)
        detail: dict[str, JsonValue] = {"before": before.isoformat(), "removed": removed}
        store.append_audit([AuditEntry(now, actor, AuditAction.AUDIT_PRUNED, None, client, detail)])
    return removed
