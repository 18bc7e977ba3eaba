"""A believable demo organisation, for `fireline serve --demo` on an empty database."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fireline.domain.access import AccessRole, Visibility
from fireline.domain.errors import Conflict
from fireline.domain.incident import Draft
from fireline.domain.lifecycle import Status
from fireline.domain.names import NameKind, NameReference
from fireline.domain.people import Team, User
from fireline.domain.policy import Policy, Service
from fireline.services import catalog, incidents, oncall, people
from fireline.services import response as responding
from fireline.services.access_ports import PasswordHasher
from fireline.services.names import refusals_of
from fireline.services.policies import PolicyBook
from fireline.services.ports import Database
from fireline.services.timers import fire_due_timers, next_due_at

DEMO_SERVICES = (
    Service("checkout", "mission_critical", "payments", True, "Cart and checkout"),
    Service("payments-api", "mission_critical", "payments", True, "Card and wallet payments"),
    Service("login", "business_critical", "identity", True, "Sign-in and single sign-on"),
    Service("search", "business_critical", "discovery", True, "Product search"),
    Service("data-warehouse", "business_operational", "data", False, "Nightly reporting"),
    Service("email-relay", "business_operational", "platform", False, "Outbound email"),
    Service("wiki", "administrative", "it", False, "Internal documentation"),
    Service("expenses", "administrative", "finance", False, "Expense claims"),
)


DEMO_PEOPLE = (
    User("admin", "admin@demo.fireline.invalid", AccessRole.ADMIN, "Ada Admin"),
    User("alex", "alex@demo.fireline.invalid", AccessRole.INCIDENT_MANAGER, "Alex Kim"),
    User("sam", "sam@demo.fireline.invalid", AccessRole.RESPONDER, "Sam Okafor"),
    User("omar", "omar@demo.fireline.invalid", AccessRole.RESPONDER, "Omar Haddad"),
    User("priya", "priya@demo.fireline.invalid", AccessRole.REPORTER, "Priya Nair"),
    User("dana", "dana@demo.fireline.invalid", AccessRole.VIEWER, "Dana Weiss"),
)
"""One person per access role (omar is also in the security team); docs/permissions.md."""
DEMO_TEAMS = {
    "security": ("omar",),
    "payments": ("sam", "alex"),
    # The teams the demo services name, so that every team a demo record names exists.
    "identity": (),
    "discovery": (),
    "data": (),
    "platform": (),
    "it": (),
    "finance": (),
}


def demo_password(name: str) -> str:
    """The documented demo password of a demo person: never use demo mode in production."""
    return f"demo-password-{name}"


def seed_demo_people(database: Database, hasher: PasswordHasher, *, now: datetime) -> list[str]:
    """Add the demo people and teams to a new database, one with no people and no incidents;
    returns the names added. Demo passwords are published: they must never reach a real
    team, nor a database that was in use before it had people (an upgrade from before
    access control)."""
    with database.transaction(write=False) as store:
        in_use = store.count_incidents() > 0
    if in_use or people.list_users(database):
        return []
    added = []
    for user in DEMO_PEOPLE:
        try:
            people.create_user(
                database, hasher, user, password=demo_password(user.name), actor="demo", now=now
            )
        except Conflict:
            continue
        added.append(user.name)
    for team, members in DEMO_TEAMS.items():
        with contextlib.suppress(Conflict):
            people.create_team(database, Team(team, f"demo {team} team"), actor="demo", now=now)
        for member in members:
            people.set_team_member(database, team, member, member=True, actor="demo", now=now)
    return added


@dataclass(frozen=True)
class DemoIncident:
    hours_ago: float
    title: str
    type: str
    services: tuple[str, ...]
    reporter: str
    severity: int | None = None
    impact: str | None = None
    urgency: str | None = None
    path: tuple[Status, ...] = ()
    comment: str | None = None
    commander: str | None = None


DEMO_INCIDENTS = (
    DemoIncident(
        240,
        "Wiki search returns stale pages",
        "feature",
        ("wiki",),
        "dana",
        4,
        path=(Status.INVESTIGATING, Status.RESOLVED, Status.CLOSED),
    ),
    DemoIncident(
        200,
        "Expense exports time out for finance",
        "performance",
        ("expenses",),
        "omar",
        impact="low",
        urgency="medium",
        path=(Status.INVESTIGATING, Status.RESOLVED, Status.CLOSED),
    ),
    DemoIncident(
        170,
        "Nightly warehouse load skipped two tables",
        "data",
        ("data-warehouse",),
        "omar",
        impact="medium",
        urgency="medium",
        path=(Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED, Status.CLOSED),
    ),
    DemoIncident(
        120,
        "Card payments declined for one acquirer",
        "infrastructure",
        ("payments-api", "checkout"),
        "sam",
        impact="high",
        urgency="high",
        path=(Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED),
        comment="Failover to the secondary acquirer restored payments.",
    ),
    DemoIncident(
        96,
        "Suspicious sign-in attempts from one network",
        "security",
        ("login",),
        "sam",
        2,
        path=(Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED),
    ),
    DemoIncident(
        72,
        "Outbound email delayed by 20 minutes",
        "infrastructure",
        ("email-relay",),
        "priya",
        impact="medium",
        urgency="low",
        path=(Status.INVESTIGATING, Status.ON_HOLD),
        comment="Waiting on the relay provider's ticket.",
    ),
    DemoIncident(
        50,
        "Search results missing new products",
        "data",
        ("search",),
        "omar",
        impact="medium",
        urgency="high",
        path=(Status.INVESTIGATING, Status.IDENTIFIED),
    ),
    DemoIncident(
        30,
        "Password reset link expired too early",
        "access",
        ("login",),
        "omar",
        3,
        path=(Status.INVESTIGATING, Status.WAITING_FOR_INFO),
        comment="Asked the reporter for the exact time of the email.",
    ),
    DemoIncident(
        12,
        "Checkout p99 latency above 5 s",
        "performance",
        ("checkout",),
        "sam",
        impact="high",
        urgency="medium",
        path=(Status.INVESTIGATING, Status.MONITORING),
    ),
    DemoIncident(5, "Typo on the expenses approval page", "feature", ("expenses",), "dana", 4),
    DemoIncident(
        2,
        "Warehouse dashboards show yesterday's totals",
        "data",
        ("data-warehouse",),
        "priya",
        impact="low",
        urgency="low",
        path=(Status.INVESTIGATING,),
    ),
    DemoIncident(
        0.5,
        "Checkout down in EU region",
        "infrastructure",
        ("checkout", "payments-api"),
        "sam",
        1,
        impact="high",
        urgency="high",
        commander="alex",
    ),
)


def channels_leaving_the_machine(policy: Policy) -> list[str]:
    """The policy's channels that send off this machine (all but console channels): demo
    incidents, made up, must not reach real people or rooms through them unless asked."""
    return [channel.name for channel in policy.channels if channel.kind != "console"]


def seed_demo(database: Database, policies: PolicyBook, *, now: datetime) -> bool:
    """Fill an empty database with the demo organisation; False (and nothing done) otherwise.

    Only where the demo people and teams exist (`seed_demo_people` added them): the demo
    incidents name them, and a name that names nobody is refused (it would be a latent
    grant to whoever got that name later).

    The demo incidents happened in the past, so everything is done in the order it happened,
    each timer firing at its own due time as it would have (on the timeline, sending nothing:
    demo history never pages anybody). None is left overdue for the worker to send at
    start-up; what is still ahead (an open incident's next escalation) fires on time.
    """
    with database.transaction() as store:
        if store.count_incidents() > 0 or refusals_of(store, [_demo_references()])[0]:
            return False
    policy = policies.current
    for service in DEMO_SERVICES:
        if service.criticality in policy.tier_names:
            existing = {entry.service.name for entry in catalog.list_services(database)}
            if service.name not in existing:
                catalog.create_service(database, policy, service)
    steps = sorted(
        (step for number, demo in enumerate(DEMO_INCIDENTS) for step in _steps(number, demo, now)),
        key=lambda step: step[0],
    )
    ids: dict[int, str] = {}
    for at, act in steps:
        _fire_history(database, policies, until=at)
        act(database, policies, ids)
    _fire_history(database, policies, until=now)
    _put_on_call(database, policies, now)
    return True


_Act = Callable[[Database, PolicyBook, dict[int, str]], None]
ALEX = Visibility("alex", sees_open=True, sees_restricted=True)
"""Whose hands the demo history passes through (an incident manager)."""


def _steps(number: int, demo: DemoIncident, now: datetime) -> list[tuple[datetime, _Act]]:
    """What happened to demo incident `number`, each with the instant it happened."""
    at = now - timedelta(hours=demo.hours_ago)

    def declare(database: Database, policies: PolicyBook, ids: dict[int, str]) -> None:
        policy = policies.current
        draft = Draft(
            title=demo.title,
            type=demo.type if demo.type in policy.type_names else policy.type_names[0],
            reporter=demo.reporter,
            description=f"Demo incident {number + 1}: {demo.title.lower()}.",
            severity=demo.severity,
            impact=demo.impact,
            urgency=demo.urgency,
            services=demo.services,
            team=next(s.team for s in DEMO_SERVICES if s.name == demo.services[0]),
        )
        ids[number] = incidents.declare_incident(database, policies, draft, now=at).incident.id

    steps: list[tuple[datetime, _Act]] = [(at, declare)]
    step_at = at
    for status in demo.path:
        step_at += timedelta(minutes=7)

        def change(
            database: Database,
            policies: PolicyBook,
            ids: dict[int, str],
            status: Status = status,
            when: datetime = step_at,
        ) -> None:
            responding.change_status(
                database, policies, ids[number], status, visibility=ALEX, now=when, note=None
            )

        steps.append((step_at, change))
    later = step_at + timedelta(minutes=1)
    if demo.commander:
        commander = demo.commander

        def assign(database: Database, policies: PolicyBook, ids: dict[int, str]) -> None:
            if "incident_commander" in policies.current.role_names:
                responding.assign_role(
                    database,
                    policies,
                    ids[number],
                    role="incident_commander",
                    person=commander,
                    visibility=ALEX,
                    now=later,
                )

        steps.append((later, assign))
    if demo.comment:
        body = demo.comment

        def comment(database: Database, policies: PolicyBook, ids: dict[int, str]) -> None:
            responding.comment_on_incident(
                database, policies, ids[number], body=body, visibility=ALEX, now=later
            )

        steps.append((later, comment))
    return steps


def _fire_history(database: Database, policies: PolicyBook, *, until: datetime) -> None:
    """Fire every timer due by `until`, each at its own due time, without sending anything
    (no wording is given): the demo's past, as the timeline would have told it."""
    while (due := next_due_at(database)) is not None and due <= until:
        fire_due_timers(database, now=due, policies=policies)


DEMO_ON_CALL = "sam"
DEMO_COVER = timedelta(days=30)


def _put_on_call(database: Database, policies: PolicyBook, now: datetime) -> None:
    """Cover each schedule that has nobody in its rota with the demo responder for a month,
    so that the demo's pages reach someone (in the console inbox: demo people have no real
    addresses). Schedules with members are real rotas and are left alone."""
    policy = policies.current
    if DEMO_ON_CALL not in {user.name for user in people.list_users(database)}:
        return
    for schedule in policy.schedules:
        if any(layer.members for layer in schedule.layers) or schedule.overrides:
            continue
        with contextlib.suppress(Conflict):
            oncall.add_override(
                database,
                policy,
                schedule.name,
                person=DEMO_ON_CALL,
                starts_at=now,
                ends_at=now + DEMO_COVER,
                actor="demo",
                now=now,
            )


def _demo_references() -> list[NameReference]:
    """Every person and team the demo incidents and services name."""
    people = {demo.reporter for demo in DEMO_INCIDENTS} | {
        demo.commander for demo in DEMO_INCIDENTS if demo.commander
    }
    teams = {service.team for service in DEMO_SERVICES if service.team}
    return [NameReference("reporter", name, NameKind.PERSON) for name in sorted(people)] + [
        NameReference("team", name, NameKind.TEAM) for name in sorted(teams)
    ]
