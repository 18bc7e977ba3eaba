"""Reaching people: targets → deliveries by the severity's methods and people's own rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fireline.domain.deliveries import merge_repeated_pages
from fireline.domain.errors import InvalidInput
from fireline.domain.escalation_rules import Contact
from fireline.domain.firing import describe_reach
from fireline.domain.messages import ChannelConfig
from fireline.domain.notifications import Audience, NotificationRules
from fireline.domain.oncall import Schedule
from fireline.domain.paging_rules import PersonalRule, check_personal_rules
from fireline.domain.policy import Policy, Role
from fireline.domain.recipients import (
    ROOM,
    Directory,
    Person,
    Reach,
    could_reach,
    fallback_for,
    handles_needed,
    reach,
)
from tests.unit.domain.builders import make_policy

CHANNELS = (
    ChannelConfig("mail", "email", {}),
    ChannelConfig("slack", "slack", {}),
    ChannelConfig("texts", "sms", {}),
    ChannelConfig("calls", "voice", {}),
    ChannelConfig("hooks", "webhook", {}),
)
RULES_004 = NotificationRules(
    methods={1: ("voice", "chat", "email"), 2: ("chat", "email"), 4: ("email",)},
    audiences=(
        Audience("executives", "Executive Team", ("contact:cto", "user:ben"), ("email",)),
        Audience("support", "Customer Support", ("channel:slack",)),
    ),
)
POLICY = make_policy(
    channels=CHANNELS,
    notifications=RULES_004,
    contacts=(
        Contact("it_manager", "IT Manager", primary="ana"),
        Contact("cto", "CTO", email="cto@example.com"),
        Contact("board", "Board"),
    ),
    roles=(
        Role("incident_commander", "Incident Commander", on_call="ops"),
        Role("scribe", "Scribe"),
    ),
)
ANA = Person("ana", "Ana", "ana@example.com", "+4915100000001", "U0ANA")
BEN = Person("ben", "Ben", "ben@example.com", None, None)
PEOPLE = {"ana": ANA, "ben": BEN}


def ways(found: Reach) -> list[tuple[str, str, str, int]]:
    """(label, method, address, delay) of each delivery."""
    return [(d.label, d.method, d.address, d.delay) for d in found.deliveries]


def reach_of(
    *targets: str,
    severity: int = 1,
    is_page: bool = True,
    policy: Policy = POLICY,
    **directory: object,
) -> Reach:
    found = Directory(**{"people": PEOPLE, **directory})  # type: ignore[arg-type]
    return reach(targets, severity=severity, is_page=is_page, policy=policy, directory=found)


def test_a_sev1_reaches_a_person_by_call_chat_and_email_at_once() -> None:
    assert ways(reach_of("user:ana")) == [
        ("ana", "voice", "+4915100000001", 0),
        ("ana", "chat", "U0ANA", 0),
        ("ana", "email", "ana@example.com", 0),
    ]


def test_a_sev4_reaches_by_email_only() -> None:
    assert ways(reach_of("user:ana", severity=4)) == [("ana", "email", "ana@example.com", 0)]


def test_personal_rules_delay_a_page_and_keep_to_the_severity_s_methods() -> None:
    rules = {
        "ana": (PersonalRule("email", 0), PersonalRule("sms", 120), PersonalRule("voice", 300))
    }
    assert ways(reach_of("user:ana", rules=rules)) == [
        ("ana", "chat", "U0ANA", 0),  # no rule for chat: at once
        ("ana", "email", "ana@example.com", 0),
        ("ana", "voice", "+4915100000001", 300),  # SMS is not a Sev-1 method here
    ]


def test_only_people_reached_directly_are_paged() -> None:
    rules = {"ana": (PersonalRule("voice", 300),), "ben": (PersonalRule("email", 300),)}
    found = reach_of("user:ana", "channel:slack", "audience:executives", rules=rules)
    paged = {(d.label, d.method): (d.is_page, d.delay) for d in found.deliveries}
    assert paged == {
        ("ana", "chat"): (True, 0),
        ("ana", "email"): (True, 0),
        ("ana", "voice"): (True, 300),
        ("slack", "room"): (False, 0),  # a room is told, not paged
        ("CTO", "email"): (False, 0),  # audience members neither: no delay, no call-off
        ("ben", "email"): (False, 0),
    }


def test_a_notice_ignores_personal_delays_and_calls_nobody() -> None:
    rules = {"ana": (PersonalRule("chat", 300),)}
    found = reach_of("user:ana", rules=rules, is_page=False)
    # A phone call is for pages: a notice to a Sev-1 goes by chat and email, at once.
    assert ways(found) == [
        ("ana", "chat", "U0ANA", 0),
        ("ana", "email", "ana@example.com", 0),
    ]


def test_an_audience_that_names_calls_is_called() -> None:
    callers = replace(
        POLICY,
        notifications=replace(
            RULES_004,
            audiences=(Audience("execs", "Executives", ("user:ana",), ("voice", "email")),),
        ),
    )
    found = reach_of("audience:execs", is_page=False, policy=callers)
    assert [d.method for d in found.deliveries] == ["voice", "email"]


def test_someone_the_severity_s_methods_cannot_reach_is_reached_another_way() -> None:
    # Ben has no phone or chat handle: a Sev-1 still reaches him, by email.
    assert ways(reach_of("user:ben", severity=2)) == [("ben", "email", "ben@example.com", 0)]
    no_email = {"ben": replace(BEN, email=None, phone="+4915100000002")}
    assert ways(reach_of("user:ben", severity=4, people=no_email)) == [
        ("ben", "sms", "+4915100000002", 0)
    ]


def test_contacts_reach_their_person_or_their_own_address() -> None:
    assert ways(reach_of("contact:it_manager", severity=4)) == [
        ("ana", "email", "ana@example.com", 0)
    ]
    found = reach_of("contact:cto", severity=1)
    assert ways(found) == [("CTO", "email", "cto@example.com", 0)]
    assert found.deliveries[0].person == "contact:cto"


def test_a_channel_target_posts_to_the_channel_s_room() -> None:
    (room,) = reach_of("channel:slack").deliveries
    assert (room.method, room.channel, room.address, room.person) == (ROOM, "slack", "", None)


def test_an_audience_reaches_its_members_by_its_own_methods() -> None:
    found = reach_of("audience:executives", severity=1)
    assert ways(found) == [
        ("CTO", "email", "cto@example.com", 0),
        ("ben", "email", "ben@example.com", 0),
    ]
    assert {d.audience for d in found.deliveries} == {"executives"}


def test_a_team_target_reaches_whoever_is_on_call_in_the_team_s_schedules() -> None:
    rotas = (
        Schedule("payments_day", "UTC", (), team="payments"),
        Schedule("payments_night", "UTC", (), team="payments"),
        Schedule("ops", "UTC", ()),
    )
    policy = replace(POLICY, schedules=rotas)
    on_call = {"payments_day": None, "payments_night": "ben", "ops": "ana"}
    found = reach_of("team:payments", severity=4, policy=policy, on_call=on_call)
    assert ways(found) == [("ben", "email", "ben@example.com", 0)]
    nobody = reach_of("team:payments", policy=policy, on_call={})
    assert nobody.unreached == (
        "team:payments: nobody is on call for the team (payments_day, payments_night)",
    )


def test_a_role_nobody_holds_falls_to_its_schedule_and_a_person_is_reached_once() -> None:
    found = reach_of("role:incident_commander", "user:ana", severity=4, on_call={"ops": "ana"})
    assert ways(found) == [("ana", "email", "ana@example.com", 0)]
    assert ways(reach_of("role:scribe", severity=4, role_holders={"scribe": "ben"})) == [
        ("ben", "email", "ben@example.com", 0)
    ]


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("contact:board", "Board has no person or address"),
        ("schedule:ops", "nobody is on call (a gap)"),
        ("role:incident_commander", "nobody holds the role and nobody is on call in ops"),
        ("role:scribe", "nobody holds the role"),
        ("user:zoe", "zoe is not an active user"),
        ("channel:support-operations", "the policy has no channel 'support-operations'"),
        ("audience:partners", "the policy in force has no audience 'partners'"),
    ],
)
def test_a_target_that_reaches_nobody_says_why(target: str, why: str) -> None:
    found = reach_of(target)
    assert found.deliveries == ()
    (said,) = found.unreached
    assert said.startswith(f"{target}: {why}")


def test_without_channels_nobody_is_reached_and_the_reason_is_given() -> None:
    found = reach_of("user:ana", policy=replace(POLICY, channels=()))
    assert found.unreached == ("user:ana: the policy has no channel for phone call, chat, email",)


def test_could_reach_says_whether_any_target_stands_for_someone() -> None:
    people = Directory(people=PEOPLE)
    assert not could_reach(["contact:board", "schedule:ops", "user:zoe"], POLICY, people)
    assert not could_reach(["channel:support-operations"], POLICY, people)
    assert could_reach(["contact:board", "contact:cto"], POLICY, people)  # an address
    assert could_reach(["user:ana"], POLICY, people)
    assert could_reach(["channel:slack"], POLICY, people)
    assert could_reach(["audience:executives"], POLICY, people)


def test_handles_needed_lists_who_to_load_before_reaching() -> None:
    directory = Directory(role_holders={"scribe": "ben"}, on_call={"ops": "cy"})
    targets = ["user:ana", "role:scribe", "role:incident_commander", "contact:it_manager"]
    assert handles_needed(
        [*targets, "contact:cto", "audience:executives"], policy=POLICY, directory=directory
    ) == {"ana", "ben", "cy"}


def test_a_failed_method_falls_back_in_the_person_s_order_then_fireline_s() -> None:
    rules = (PersonalRule("sms", 0), PersonalRule("voice", 60))
    assert fallback_for(ANA, rules, ["sms"], POLICY) == ("voice", "calls", "+4915100000001")
    assert fallback_for(ANA, (), ["email"], POLICY) == ("sms", "texts", "+4915100000001")
    assert fallback_for(BEN, (), ["email"], POLICY) is None


def test_the_reach_reads_as_one_line_for_the_timeline() -> None:
    rules = {"ana": (PersonalRule("voice", 120),)}
    text = describe_reach(reach_of("user:ana", "contact:board", rules=rules))
    assert text == (
        "; reaching ana by chat, email, phone call after 2m"
        "; not reached: contact:board: Board has no person or address "
        "(set primary, or email, phone or chat, in the policy's contacts)"
    )


def test_a_method_a_reached_person_was_not_reached_by_is_said() -> None:
    no_calls = replace(POLICY, channels=tuple(c for c in CHANNELS if c.kind != "voice"))
    text = describe_reach(reach_of("user:ana", "user:ben", severity=1, policy=no_calls))
    assert text == (
        "; reaching ana by chat, email; ben by email"
        "; skipped: phone call for ana (no channel), phone call for ben (no channel), "
        "chat for ben (no address)"
    )


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([PersonalRule("pager", 0)], "rules[0].method"),
        ([PersonalRule("sms", -1)], "rules[0].after"),
        ([PersonalRule("sms", 25 * 3600)], "rules[0].after"),
        ([PersonalRule("sms", 60), PersonalRule("sms", 60)], "rules"),
        ([PersonalRule("sms", n) for n in range(11)], "rules"),
    ],
)
def test_bad_personal_rules_are_refused(rules: list[PersonalRule], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_personal_rules(rules)
    assert refused.value.field == field


# -- repeated pages are merged ----------------------------------------------------------


def test_a_page_repeating_one_made_moments_ago_is_merged_and_said() -> None:
    found = merge_repeated_pages(reach_of("user:ana"), {("ana", "voice"), ("ana", "chat")})
    assert ways(found) == [("ana", "email", "ana@example.com", 0)]
    assert found.merged == ("ana by phone call", "ana by chat")
    assert "; already paged moments ago: ana by phone call, ana by chat" in describe_reach(found)


def test_messages_that_are_not_pages_are_never_merged() -> None:
    news = reach_of("user:ana", is_page=False)
    assert merge_repeated_pages(news, {("ana", "chat"), ("ana", "email")}) == news
