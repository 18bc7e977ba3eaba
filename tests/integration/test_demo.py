"""`serve --demo`'s data: a past that is told on the timeline but never sent, and a present
that reaches the demo people in the console (nothing leaves the machine)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fireline.adapters.db.tables import deliveries, timers
from fireline.bootstrap import Context
from fireline.domain.access import Visibility
from fireline.domain.incident import Draft
from fireline.services import incidents, oncall
from fireline.services.demo import DEMO_INCIDENTS, seed_demo, seed_demo_people
from tests.integration.api.conftest import CHEAP_HASHER, FakeClock
from tests.notifying import Receivers, add_user, make_context, preset_text, receivers, work
from tests.notifying import write_policy as write

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
EVERYONE = Visibility("admin", sees_open=True, sees_restricted=True)


@pytest.fixture
def servers() -> Iterator[Receivers]:
    with receivers() as started:
        yield started


def _context(database_url: str, text: str, tmp_path: Path) -> Context:
    return make_context(database_url, write(tmp_path, text), FakeClock(NOW), tmp_path)


def _count(context: Context, table: object, *where: object) -> int:
    with context.database.engine.connect() as connection:
        stmt = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int(connection.execute(stmt).scalar_one())


def test_demo_incidents_leave_no_overdue_timer_and_send_nothing_about_the_past(
    database_url: str, tmp_path: Path
) -> None:
    context = _context(database_url, preset_text("default"), tmp_path)
    try:
        seed_demo_people(context.database, CHEAP_HASHER, now=NOW)
        assert seed_demo(context.database, context.policies, now=NOW)
        t = timers.c
        assert _count(context, timers, t.fired_at.is_(None), t.due_at <= NOW) == 0
        assert _count(context, deliveries) == 0
        # The past is on the timeline, each timer fired at the time it came due.
        fired = _count(context, timers, t.fired_at.is_not(None))
        assert fired > len(DEMO_INCIDENTS)
        with context.database.engine.connect() as connection:
            late = connection.execute(
                select(func.count()).select_from(timers).where(t.fired_at != t.due_at)
            ).scalar_one()
        assert late == 0
    finally:
        context.database.dispose()


def test_demo_data_under_a_real_policy_pages_nobody_at_start_up(
    database_url: str, servers: Receivers, tmp_path: Path
) -> None:
    # Handbook 004 with real channels and a real rota: Ana is on call, reachable every way.
    text = preset_text("handbook_004").replace("members: []", "members: [ana]")
    context = _context(database_url, text + servers.channels_yaml(), tmp_path)
    try:
        seed_demo_people(context.database, CHEAP_HASHER, now=NOW)
        add_user(context, "ana", phone="+4915100000001", chat="U0ANA")
        assert seed_demo(context.database, context.policies, now=NOW)
        work(context)  # what a worker started now would do
        assert servers.mailbox.messages == []
        assert servers.slack.received == []
        assert servers.twilio.received == []
        # A real incident declared now still reaches her.
        draft = Draft(title="Real outage", type="infrastructure", reporter="ana", severity=1)
        incidents.declare_incident(context.database, context.policies, draft, now=NOW)
        work(context)
        assert len(servers.twilio.received) == 1
    finally:
        context.database.dispose()


def test_the_default_preset_reaches_the_demo_responder_in_the_console(
    database_url: str, tmp_path: Path
) -> None:
    context = _context(database_url, preset_text("default"), tmp_path)
    try:
        seed_demo_people(context.database, CHEAP_HASHER, now=NOW)
        seed_demo(context.database, context.policies, now=NOW)
        policy = context.policies.current
        schedule = oncall.get_schedule(context.database, policy, "on_call", NOW)
        assert [o.person for o in schedule.overrides] == ["sam"]
        draft = Draft(title="Login slow", type="performance", reporter="priya", severity=2)
        declared = incidents.declare_incident(context.database, context.policies, draft, now=NOW)
        work(context)
        events = incidents.get_timeline(context.database, declared.incident.id, EVERYONE)
        (initial,) = [e.event for e in events if e.event.kind == "initial_notice"]
        assert "reaching sam by console inbox" in initial.summary
    finally:
        context.database.dispose()
