"""On-call schedules through the API, on each backend: who is on call, shifts and gaps,
overrides, iCalendar feeds and who may do what.

The policy (a file written for the module) has a weekly rotation of alice, bob and carol in
London, weekdays 09:00-17:00 only, handing off on Mondays at 09:00; and a daily rotation of
dave alone, whom alice covers over Christmas (an override in the file). The clock stands at
Wednesday 25 November 2026, 09:30 UTC (= GMT): alice's week.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from icalendar import Calendar

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from tests.integration.api.conftest import FakeClock, add_person, bearer

POLICY = """\
fireline_policy: 1
name: oncall_api
time_zone: Europe/London
incident_types:
  - {name: infrastructure, label: Infrastructure}
  - {name: performance, label: Performance}
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
  - {level: 2, name: high, label: High, response: 1h, resolution: 8h}
  - {level: 3, name: medium, label: Medium, response: 4h, resolution: 24h}
  - {level: 4, name: low, label: Low, response: 24h, resolution: 72h}
criticality_tiers:
  - {name: mission_critical, level: 1, label: Mission Critical, implies_severity: 1}
contacts:
  - {name: it_manager, label: IT Manager}
escalation:
  levels:
    - {level: 1, action: Post in the channel, notify: [channel:ops]}
    - {level: 2, action: Page whoever is on call, notify: [schedule:ops_oncall]}
    - {level: 3, action: Call the IT manager, notify: [contact:it_manager]}
  by_criticality:
    - {criticality: mission_critical, every: 10m, up_to: 3}
schedules:
  - name: ops_oncall
    layers:
      - name: primary
        members: [alice, bob, carol]
        shift: 7d
        starts: "2026-11-02T09:00"
        restrictions:
          - {days: [mon, tue, wed, thu, fri], hours: "09:00-17:00"}
  - name: db_oncall
    layers:
      - name: daily
        members: [dave]
        shift: 1d
        starts: "2026-11-01T00:00"
    overrides:
      - {person: alice, starts: "2026-12-24T18:00", ends: "2026-12-26T09:00"}
"""

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # the conftest clock: a Wednesday
OPS = "/api/v1/schedules/ops_oncall"


@pytest.fixture
def policy_reference(tmp_path: Path) -> str:
    path = tmp_path / "oncall-policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


@pytest.fixture
def rota(context: Context) -> dict[str, str]:
    """The people of the schedules, each a responder; name → token."""
    return {
        name: add_person(context, name, AccessRole.RESPONDER)
        for name in ("alice", "bob", "carol", "dave")
    }


@pytest.fixture
def admin(client: TestClient, rota: dict[str, str]) -> TestClient:
    """The API as ana (an admin), once the rota's people exist."""
    return client


@pytest.fixture
def viewer(context: Context, app: FastAPI, rota: dict[str, str]) -> Iterator[TestClient]:
    token = add_person(context, "vera", AccessRole.VIEWER)
    with TestClient(app, headers=bearer(token)) as client:
        yield client


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def add_override(
    client: TestClient, person: str, starts: datetime, ends: datetime, schedule: str = OPS
) -> Any:
    return client.post(
        f"{schedule}/overrides",
        json={"person": person, "starts_at": iso(starts), "ends_at": iso(ends)},
    )


def on_call(client: TestClient, moment: datetime, schedule: str = OPS) -> str | None:
    response = client.get(f"{schedule}/oncall", params={"at": iso(moment)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schedule"] == schedule.rsplit("/", 1)[1]
    assert at(body["at"]) == moment
    person: str | None = body["person"]
    return person


def assert_problem(response: Any, status: int, *phrases: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    for phrase in phrases:
        assert phrase in body["detail"], body
    return body


def events_of(feed: bytes) -> list[Any]:
    calendar = Calendar.from_ical(feed)
    return list(calendar.walk("VEVENT"))


# Reading schedules


def test_the_list_shows_each_schedule_with_who_is_on_call_now(admin: TestClient) -> None:
    response = admin.get("/api/v1/schedules")
    assert response.status_code == 200, response.text
    by_name = {s["name"]: s for s in response.json()}
    assert list(by_name) == ["ops_oncall", "db_oncall"]
    ops = by_name["ops_oncall"]
    assert ops["on_call_now"] == "alice"
    assert ops["time_zone"] == "Europe/London"
    assert ops["layers"] == [
        {
            "name": "primary",
            "members": ["alice", "bob", "carol"],
            "shift_seconds": 7 * 86400,
            "starts_at": "2026-11-02T09:00:00Z",
            "restricted": True,
        }
    ]
    assert by_name["db_oncall"]["on_call_now"] == "dave"
    assert by_name["db_oncall"]["layers"][0]["restricted"] is False


def test_on_call_now_follows_the_clock_into_a_gap(admin: TestClient, clock: FakeClock) -> None:
    clock.advance(hours=8)  # 17:30: after the weekday window
    assert admin.get(OPS).json()["on_call_now"] is None
    clock.advance(days=5)  # Monday 30 November 17:30: still after hours
    assert admin.get(OPS).json()["on_call_now"] is None
    clock.advance(hours=-8)  # Monday 09:30: bob's week
    assert admin.get(OPS).json()["on_call_now"] == "bob"


def test_one_schedule_reads_like_its_entry_in_the_list(admin: TestClient) -> None:
    response = admin.get(OPS)
    assert response.status_code == 200, response.text
    listed = next(s for s in admin.get("/api/v1/schedules").json() if s["name"] == "ops_oncall")
    assert response.json() == listed


@pytest.mark.parametrize(
    ("moment", "person"),
    [
        (utc(2026, 11, 25, 9, 30), "alice"),
        (utc(2026, 11, 25, 16, 59), "alice"),
        (utc(2026, 11, 25, 17, 0), None),  # the window's end
        (utc(2026, 11, 28, 12, 0), None),  # Saturday
        (utc(2026, 11, 30, 8, 59), None),  # Monday before the window
        (utc(2026, 11, 30, 9, 0), "bob"),
        (utc(2026, 12, 7, 9, 0), "carol"),
        (utc(2026, 11, 16, 10, 0), "carol"),  # the past too
        (utc(2026, 11, 2, 8, 0), None),  # before the first hand-off
    ],
)
def test_oncall_at_an_instant_names_the_person(
    admin: TestClient, moment: datetime, person: str | None
) -> None:
    assert on_call(admin, moment) == person


def test_oncall_without_at_is_now_and_at_may_have_any_offset(admin: TestClient) -> None:
    body = admin.get(f"{OPS}/oncall").json()
    assert (body["person"], at(body["at"])) == ("alice", NOW)
    # 10:00 in Sydney on Tuesday 1 December is 23:00 UTC on Monday: after hours in London.
    response = admin.get(f"{OPS}/oncall", params={"at": "2026-12-01T10:00:00+11:00"})
    assert response.json()["person"] is None
    response = admin.get(f"{OPS}/oncall", params={"at": "2026-12-01T14:00:00+05:00"})
    assert response.json()["person"] == "bob"  # 09:00 UTC


def test_oncall_at_a_naive_time_is_refused(admin: TestClient) -> None:
    assert_problem(admin.get(f"{OPS}/oncall", params={"at": "2026-11-25T12:00:00"}), 422)


def test_shifts_over_14_days_show_each_hand_off_and_the_gaps(admin: TestClient) -> None:
    response = admin.get(f"{OPS}/shifts")  # from now, 14 days
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schedule"] == "ops_oncall"
    found = [(s["person"], at(s["starts_at"]), at(s["ends_at"])) for s in body["shifts"]]
    expected: list[tuple[str | None, datetime, datetime]] = []
    # Weekdays 09:00-17:00, Wednesday 25 November (from 09:30) to Wednesday 9 December.
    days = [
        (25, 11, "alice"),
        (26, 11, "alice"),
        (27, 11, "alice"),
        (30, 11, "bob"),
        (1, 12, "bob"),
        (2, 12, "bob"),
        (3, 12, "bob"),
        (4, 12, "bob"),
        (7, 12, "carol"),
        (8, 12, "carol"),
        (9, 12, "carol"),
    ]
    for day, month, person in days:
        starts = max(utc(2026, month, day, 9, 0), NOW)
        ends = min(utc(2026, month, day, 17, 0), NOW + timedelta(days=14))
        if expected:
            expected.append((None, expected[-1][2], starts))
        expected.append((person, starts, ends))
    assert found == expected
    assert body["gaps"] == 10
    assert [s["person"] for s in body["shifts"]].count(None) == body["gaps"]
    assert found[0][1] == NOW
    assert found[-1][2] == NOW + timedelta(days=14)


def test_shifts_over_a_chosen_range(admin: TestClient) -> None:
    response = admin.get(
        f"{OPS}/shifts", params={"from": "2026-11-27T12:00:00Z", "until": "2026-11-30T12:00:00Z"}
    )
    body = response.json()
    assert [(s["person"], s["starts_at"], s["ends_at"]) for s in body["shifts"]] == [
        ("alice", "2026-11-27T12:00:00Z", "2026-11-27T17:00:00Z"),
        (None, "2026-11-27T17:00:00Z", "2026-11-30T09:00:00Z"),
        ("bob", "2026-11-30T09:00:00Z", "2026-11-30T12:00:00Z"),
    ]
    assert body["gaps"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-27T12:00:00Z", "until": "2026-11-27T12:00:00Z"},
        {"from": "2026-11-27T12:00:00Z", "until": "2026-11-20T12:00:00Z"},
        {"from": "2026-11-27T12:00:00Z", "until": "2027-12-27T12:00:00Z"},
        {"from": "2026-11-27T12:00:00"},
    ],
)
def test_shifts_over_a_bad_range_are_refused(admin: TestClient, params: dict[str, str]) -> None:
    assert_problem(admin.get(f"{OPS}/shifts", params=params), 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/schedules/nope"),
        ("GET", "/api/v1/schedules/nope/oncall"),
        ("GET", "/api/v1/schedules/nope/shifts"),
        ("GET", "/api/v1/schedules/nope/overrides"),
        ("DELETE", "/api/v1/schedules/nope/overrides/1"),
        ("GET", "/api/v1/schedules/nope/calendar.ics"),
    ],
)
def test_an_unknown_schedule_is_404_naming_the_schedules(
    admin: TestClient, method: str, path: str
) -> None:
    assert_problem(admin.request(method, path), 404, "nope", "ops_oncall", "db_oncall")


def test_an_override_of_an_unknown_schedule_is_404(admin: TestClient) -> None:
    response = add_override(
        admin, "bob", NOW + timedelta(hours=1), NOW + timedelta(hours=2), "/api/v1/schedules/nope"
    )
    assert_problem(response, 404, "nope")


# Overrides


def test_an_override_is_made_and_then_that_person_is_on_call(admin: TestClient) -> None:
    starts, ends = utc(2026, 11, 25, 12, 0), utc(2026, 11, 25, 14, 0)
    response = add_override(admin, "dave", starts, ends)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["schedule"] == "ops_oncall"
    assert made["person"] == "dave"
    assert (at(made["starts_at"]), at(made["ends_at"])) == (starts, ends)
    assert made["created_by"] == "ana"
    assert at(made["created_at"]) == NOW
    assert isinstance(made["id"], int)
    assert on_call(admin, utc(2026, 11, 25, 11, 59)) == "alice"
    assert on_call(admin, utc(2026, 11, 25, 12, 0)) == "dave"
    assert on_call(admin, utc(2026, 11, 25, 13, 59)) == "dave"
    assert on_call(admin, utc(2026, 11, 25, 14, 0)) == "alice"
    assert on_call(admin, utc(2026, 11, 25, 13, 0), "/api/v1/schedules/db_oncall") == "dave"
    listed = admin.get(f"{OPS}/overrides")
    assert listed.status_code == 200
    assert listed.json() == [made]
    assert admin.get("/api/v1/schedules/db_oncall/overrides").json() == []


def test_an_override_in_a_gap_fills_it(admin: TestClient) -> None:
    saturday = utc(2026, 11, 28, 0, 0)
    assert add_override(admin, "carol", saturday, saturday + timedelta(days=1)).status_code == 201
    assert on_call(admin, saturday + timedelta(hours=12)) == "carol"
    body = admin.get(f"{OPS}/shifts").json()
    assert body["gaps"] == 11  # the weekend gap is now two, either side of Saturday
    assert ("carol", saturday) in [(s["person"], at(s["starts_at"])) for s in body["shifts"]]


def test_an_override_starting_now_counts_at_once(admin: TestClient) -> None:
    assert add_override(admin, "bob", NOW, NOW + timedelta(hours=1)).status_code == 201
    assert admin.get(OPS).json()["on_call_now"] == "bob"
    assert admin.get("/api/v1/schedules").json()[0]["on_call_now"] == "bob"


def test_an_override_written_in_the_policy_file_counts_too(admin: TestClient) -> None:
    db = "/api/v1/schedules/db_oncall"
    assert on_call(admin, utc(2026, 12, 24, 17, 59), db) == "dave"
    assert on_call(admin, utc(2026, 12, 25, 12, 0), db) == "alice"
    assert on_call(admin, utc(2026, 12, 26, 9, 0), db) == "dave"
    shifts = admin.get(
        f"{db}/shifts", params={"from": "2026-12-24T00:00:00Z", "until": "2026-12-27T00:00:00Z"}
    ).json()["shifts"]
    assert [(s["person"], s["starts_at"]) for s in shifts] == [
        ("dave", "2026-12-24T00:00:00Z"),
        ("alice", "2026-12-24T18:00:00Z"),
        ("dave", "2026-12-26T09:00:00Z"),
    ]
    # Only overrides made through the API are listed (and may be removed) there.
    assert admin.get(f"{db}/overrides").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (  # in the past
            {
                "person": "bob",
                "starts_at": iso(NOW - timedelta(hours=2)),
                "ends_at": iso(NOW + timedelta(hours=1)),
            },
            "starts_at",
        ),
        (  # ends before it starts
            {
                "person": "bob",
                "starts_at": iso(NOW + timedelta(hours=3)),
                "ends_at": iso(NOW + timedelta(hours=2)),
            },
            "ends_at",
        ),
        (  # ends as it starts
            {
                "person": "bob",
                "starts_at": iso(NOW + timedelta(hours=3)),
                "ends_at": iso(NOW + timedelta(hours=3)),
            },
            "ends_at",
        ),
        (  # nobody of that name
            {
                "person": "nobody",
                "starts_at": iso(NOW + timedelta(hours=1)),
                "ends_at": iso(NOW + timedelta(hours=2)),
            },
            "person",
        ),
        (  # naive times
            {
                "person": "bob",
                "starts_at": "2026-11-25T12:00:00",
                "ends_at": iso(NOW + timedelta(hours=4)),
            },
            "starts_at",
        ),
        (
            {
                "person": "bob",
                "starts_at": iso(NOW + timedelta(hours=1)),
                "ends_at": "2026-11-25T14:00:00",
            },
            "ends_at",
        ),
        ({"person": "bob", "starts_at": iso(NOW + timedelta(hours=1))}, "ends_at"),
    ],
)
def test_a_bad_override_is_422_naming_the_field_and_stores_nothing(
    admin: TestClient, body: dict[str, str], field: str
) -> None:
    problem = assert_problem(admin.post(f"{OPS}/overrides", json=body), 422)
    assert field in [error["field"] for error in problem["errors"]]
    assert admin.get(f"{OPS}/overrides").json() == []
    assert on_call(admin, NOW + timedelta(hours=1, minutes=30)) == "alice"


def test_an_override_may_start_a_few_minutes_ago_for_a_clock_behind(admin: TestClient) -> None:
    made = add_override(admin, "bob", NOW - timedelta(minutes=4), NOW + timedelta(hours=1))
    assert made.status_code == 201, made.text
    assert admin.get(OPS).json()["on_call_now"] == "bob"
    late = add_override(admin, "bob", NOW - timedelta(minutes=6), NOW - timedelta(minutes=5))
    assert_problem(late, 422)


@pytest.mark.parametrize(
    "start",
    [{}, {"starts_at": "now"}, {"starts_at": None}],
    ids=["omitted", "the word now", "null"],
)
def test_an_override_without_a_start_takes_the_shift_from_now_on_the_servers_clock(
    admin: TestClient, clock: FakeClock, start: dict[str, str | None]
) -> None:
    clock.advance(minutes=7, seconds=30)
    later = NOW + timedelta(minutes=7, seconds=30)
    ends = NOW + timedelta(hours=2)
    made = admin.post(f"{OPS}/overrides", json={"person": "bob", **start, "ends_at": iso(ends)})
    assert made.status_code == 201, made.text
    assert (at(made.json()["starts_at"]), at(made.json()["ends_at"])) == (later, ends)
    assert admin.get(OPS).json()["on_call_now"] == "bob"
    # Who was on call before the override was made stays as it was.
    assert on_call(admin, later - timedelta(seconds=1)) == "alice"


def test_an_override_from_a_few_minutes_ago_is_recorded_from_now(admin: TestClient) -> None:
    made = add_override(admin, "bob", NOW - timedelta(minutes=4), NOW + timedelta(hours=1))
    assert made.status_code == 201, made.text
    assert at(made.json()["starts_at"]) == NOW
    assert on_call(admin, NOW - timedelta(minutes=1)) == "alice"
    assert on_call(admin, NOW) == "bob"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"starts_at": "now", "ends_at": iso(NOW)}, "ends_at", "later than now"),
        ({"ends_at": iso(NOW - timedelta(minutes=1))}, "ends_at", "later than now"),
        (  # within the grace, but over by now
            {"starts_at": iso(NOW - timedelta(minutes=4)), "ends_at": iso(NOW)},
            "ends_at",
            "later than now",
        ),
        ({"starts_at": "soon", "ends_at": iso(NOW + timedelta(hours=1))}, "starts_at", ""),
        ({"starts_at": "NOW", "ends_at": iso(NOW + timedelta(hours=1))}, "starts_at", ""),
    ],
)
def test_an_override_from_now_that_is_over_or_a_start_that_is_no_time_is_422(
    admin: TestClient, body: dict[str, str], field: str, words: str
) -> None:
    problem = assert_problem(admin.post(f"{OPS}/overrides", json={"person": "bob", **body}), 422)
    assert field in [error["field"] for error in problem["errors"]]
    assert words in problem["detail"]
    assert admin.get(f"{OPS}/overrides").json() == []


def test_an_override_of_a_deactivated_user_is_422(admin: TestClient) -> None:
    response = admin.patch("/api/v1/users/carol", json={"active": False})
    assert response.status_code == 200, response.text
    starts = NOW + timedelta(hours=1)
    assert_problem(add_override(admin, "carol", starts, starts + timedelta(hours=1)), 422)


def test_an_override_that_overlaps_another_is_409(admin: TestClient) -> None:
    first = add_override(admin, "bob", utc(2026, 11, 25, 12, 0), utc(2026, 11, 25, 14, 0))
    assert first.status_code == 201, first.text
    first_id = first.json()["id"]
    for starts, ends in [
        (utc(2026, 11, 25, 13, 0), utc(2026, 11, 25, 15, 0)),  # the end
        (utc(2026, 11, 25, 11, 0), utc(2026, 11, 25, 12, 1)),  # the start
        (utc(2026, 11, 25, 12, 30), utc(2026, 11, 25, 13, 0)),  # inside
        (utc(2026, 11, 25, 10, 0), utc(2026, 11, 25, 16, 0)),  # around
    ]:
        assert_problem(add_override(admin, "carol", starts, ends), 409, f"override {first_id}")
    # Touching is not overlapping, and another schedule's overrides do not count.
    assert (
        add_override(admin, "carol", utc(2026, 11, 25, 14, 0), utc(2026, 11, 25, 15, 0)).status_code
        == 201
    )
    assert (
        add_override(admin, "carol", utc(2026, 11, 25, 10, 0), utc(2026, 11, 25, 12, 0)).status_code
        == 201
    )
    other = add_override(
        admin,
        "alice",
        utc(2026, 11, 25, 12, 0),
        utc(2026, 11, 25, 14, 0),
        "/api/v1/schedules/db_oncall",
    )
    assert other.status_code == 201, other.text
    assert [o["person"] for o in admin.get(f"{OPS}/overrides").json()] == ["carol", "bob", "carol"]


def test_a_removed_override_is_gone_and_a_second_delete_is_404(admin: TestClient) -> None:
    made = add_override(admin, "dave", utc(2026, 11, 25, 12, 0), utc(2026, 11, 25, 14, 0))
    override_id = made.json()["id"]
    assert on_call(admin, utc(2026, 11, 25, 13, 0)) == "dave"
    # Not through another schedule.
    assert_problem(admin.delete(f"/api/v1/schedules/db_oncall/overrides/{override_id}"), 404)
    assert on_call(admin, utc(2026, 11, 25, 13, 0)) == "dave"
    response = admin.delete(f"{OPS}/overrides/{override_id}")
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert on_call(admin, utc(2026, 11, 25, 13, 0)) == "alice"
    assert admin.get(f"{OPS}/overrides").json() == []
    assert_problem(admin.delete(f"{OPS}/overrides/{override_id}"), 404, str(override_id))
    # The window is free again.
    again = add_override(admin, "bob", utc(2026, 11, 25, 12, 0), utc(2026, 11, 25, 14, 0))
    assert again.status_code == 201


def test_overrides_that_have_ended_are_no_longer_listed(
    admin: TestClient, clock: FakeClock
) -> None:
    assert add_override(admin, "bob", NOW, NOW + timedelta(hours=1)).status_code == 201
    clock.advance(hours=2)
    assert admin.get(f"{OPS}/overrides").json() == []
    # ... but still say who was on call then.
    assert on_call(admin, NOW + timedelta(minutes=30)) == "bob"


# iCalendar feeds


def test_the_schedule_feed_has_one_event_per_shift(admin: TestClient) -> None:
    add_override(admin, "dave", utc(2026, 11, 25, 12, 0), utc(2026, 11, 25, 14, 0))
    response = admin.get(f"{OPS}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    events = events_of(response.content)
    # The feed covers whole UTC days: from midnight a week ago to midnight 60 days ahead.
    midnight = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    shifts = admin.get(
        f"{OPS}/shifts",
        params={
            "from": iso(midnight - timedelta(days=7)),
            "until": iso(midnight + timedelta(days=60)),
        },
    ).json()["shifts"]
    assert len(events) == len(shifts)
    assert len(events) > 40
    for event, shift in zip(events, shifts, strict=True):
        assert event.decoded("dtstart") == at(shift["starts_at"])
        assert event.decoded("dtend") == at(shift["ends_at"])
        who = shift["person"]
        expected = f"On call: {who} (ops_oncall)" if who else "Gap: nobody on call (ops_oncall)"
        assert str(event["summary"]) == expected
    summaries = {str(event["summary"]) for event in events}
    assert summaries == {
        "On call: alice (ops_oncall)",
        "On call: bob (ops_oncall)",
        "On call: carol (ops_oncall)",
        "On call: dave (ops_oncall)",
        "Gap: nobody on call (ops_oncall)",
    }
    uids = [str(event["uid"]) for event in events]
    assert len(set(uids)) == len(uids)
    assert events[0].decoded("dtstart") == midnight - timedelta(days=7)
    assert events[-1].decoded("dtend") == midnight + timedelta(days=60)


def test_the_feed_is_stable_between_fetches(admin: TestClient, clock: FakeClock) -> None:
    first = events_of(admin.get(f"{OPS}/calendar.ics").content)
    clock.advance(hours=3)  # later the same day: the same events, the same UIDs
    second = events_of(admin.get(f"{OPS}/calendar.ics").content)
    assert [str(e["uid"]) for e in first] == [str(e["uid"]) for e in second]


def test_a_person_s_feed_has_only_their_shifts_in_every_schedule(admin: TestClient) -> None:
    response = admin.get("/api/v1/users/bob/oncall.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    events = events_of(response.content)
    assert events
    assert {str(e["summary"]) for e in events} == {"On call: bob (ops_oncall)"}
    ops_shifts = admin.get(
        f"{OPS}/shifts",
        params={"from": iso(NOW - timedelta(days=7)), "until": iso(NOW + timedelta(days=60))},
    ).json()["shifts"]
    bob = [(at(s["starts_at"]), at(s["ends_at"])) for s in ops_shifts if s["person"] == "bob"]
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == bob
    # dave is on call in db_oncall all along, and covers an hour of ops_oncall.
    add_override(admin, "dave", utc(2026, 11, 26, 12, 0), utc(2026, 11, 26, 13, 0))
    dave = events_of(admin.get("/api/v1/users/dave/oncall.ics").content)
    assert {str(e["summary"]) for e in dave} == {
        "On call: dave (db_oncall)",
        "On call: dave (ops_oncall)",
    }
    starts = [e.decoded("dtstart") for e in dave]
    assert starts == sorted(starts)
    assert not any("Gap" in str(e["summary"]) for e in dave)


def test_the_feed_of_someone_never_on_call_is_an_empty_calendar(admin: TestClient) -> None:
    response = admin.get("/api/v1/users/ana/oncall.ics")
    assert response.status_code == 200
    assert events_of(response.content) == []


# Who may do what


def test_a_viewer_may_read_schedules_but_not_change_overrides(
    viewer: TestClient, admin: TestClient
) -> None:
    assert viewer.get("/api/v1/schedules").status_code == 200
    assert viewer.get(OPS).json()["on_call_now"] == "alice"
    assert viewer.get(f"{OPS}/oncall").status_code == 200
    assert viewer.get(f"{OPS}/shifts").status_code == 200
    assert viewer.get(f"{OPS}/overrides").status_code == 200
    assert viewer.get(f"{OPS}/calendar.ics").status_code == 200
    assert viewer.get("/api/v1/users/alice/oncall.ics").status_code == 200
    refused = add_override(viewer, "vera", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    assert_problem(refused, 403)
    assert admin.get(f"{OPS}/overrides").json() == []
    made = add_override(admin, "bob", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    assert_problem(viewer.delete(f"{OPS}/overrides/{made.json()['id']}"), 403)
    assert len(admin.get(f"{OPS}/overrides").json()) == 1


def test_a_responder_may_cover_a_shift(
    context: Context, app: FastAPI, rota: dict[str, str]
) -> None:
    with TestClient(app, headers=bearer(rota["carol"])) as carol:
        made = add_override(carol, "carol", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
        assert made.status_code == 201, made.text
        assert made.json()["created_by"] == "carol"
        assert carol.delete(f"{OPS}/overrides/{made.json()['id']}").status_code == 204


def test_without_credentials_schedules_are_401(app: FastAPI) -> None:
    with TestClient(app) as anonymous:
        assert anonymous.get("/api/v1/schedules").status_code == 401
        assert anonymous.get(f"{OPS}/calendar.ics").status_code == 401


def test_an_override_that_overlaps_one_in_the_policy_file_is_409(admin: TestClient) -> None:
    response = add_override(
        admin,
        "bob",
        utc(2026, 12, 25, 12, 0),
        utc(2026, 12, 25, 13, 0),
        "/api/v1/schedules/db_oncall",
    )
    assert_problem(response, 409, "policy file's override for alice")
    assert admin.get("/api/v1/schedules/db_oncall/overrides").json() == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"{OPS}/shifts?from=9999-12-25T00:00:00Z", None),
        ("GET", f"{OPS}/shifts?from=0001-01-01T00:00:00Z", None),
        ("GET", f"{OPS}/oncall?at=9999-12-31T23:59:59Z", None),
        ("DELETE", f"{OPS}/overrides/99999999999999999999", None),
        (
            "POST",
            f"{OPS}/overrides",
            {
                "person": "bob",
                "starts_at": "2026-12-01T00:00:00Z",
                "ends_at": "2026-12-02T00:00:00Z",
                "surprise": 1,
            },
        ),
        (
            "POST",
            f"{OPS}/overrides",
            {
                "person": "bob",
                "starts_at": "2026-12-01T00:00:00Z",
                "ends_at": "9999-12-31T23:00:00Z",
            },
        ),
    ],
)
def test_out_of_range_instants_ids_and_unknown_keys_are_422_not_500(
    admin: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = admin.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert admin.get(f"{OPS}/overrides").json() == []


def test_the_feed_of_an_unknown_user_is_404(admin: TestClient) -> None:
    assert_problem(admin.get("/api/v1/users/ghost/oncall.ics"), 404, "ghost")
