"""The `notifications` section, the channel kinds and message templates in a policy file:
valid ones load (and survive being stored), mistakes are refused at their line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fireline.adapters.policy_file import load_policy_text, parse_document
from fireline.domain.budgets import Target
from fireline.entrypoints.cli.policy import policy_app
from tests.policy_problems import line_of, only_problem

BASE = """\
fireline_policy: 1
name: notifying
incident_types: [{name: infrastructure, label: Infrastructure}]
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
  - {level: 2, name: high, label: High, response: 1h, resolution: 8h}
severity_rule: {when_unknown: 2}
priority_matrix: {priority_severity: {P1: 1, P2: 2, P3: 2, P4: 2}}
roles:
  - {name: communications_lead, label: Communications Lead, on_call: ops}
  - {name: incident_commander, label: Incident Commander}
contacts:
  - {name: cto, label: CTO, email: cto@example.com, phone: "+4915100000009"}
  - {name: support, label: Customer Support, chat: "#support"}
schedules:
  - name: ops
    team: ops-team
    layers:
      - {name: weekly, members: [ana, ben], shift: 7d, starts: "2026-01-05T09:00"}
channels:
  - {kind: email, name: mail, host: smtp.example.com, from_address: fireline@example.com}
  - kind: slack
    name: slack
    token_env: FIRELINE_SLACK_TOKEN
    channel: "#incidents"
    templates:
      page: {short: "Page {{ incident.id }}"}
  - {kind: teams, name: teams, webhook_url_env: FIRELINE_TEAMS_URL}
  - kind: sms
    name: texts
    account_sid: AC00000000000000000000000000000001
    auth_token_env: FIRELINE_TWILIO_SMS_TOKEN
    from_number: "+15005550006"
  - kind: voice
    name: calls
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token_env: FIRELINE_TWILIO_TOKEN
    from_number: "+15005550006"
    base_url: "http://127.0.0.1:9999"
notifications:
  methods:
    1: [voice, chat, email]
    2: [chat, email]
  via: {chat: slack}
  on_declare: [schedule:ops]
  on_resolve: [team:ops-team]
  audiences:
    - name: executives
      label: Executive Team
      notify: [contact:cto]
      methods: [email]
      updates: {every: 2h, severities: [1]}
      content: Status and ETA
    - name: customer_support
      label: Customer Support
      notify: [contact:support, channel:slack]
      updates: {every: 30m, severities: [1, 2]}
  reminders:
    notify: [role:communications_lead]
    overdue_after: 10m
    escalate_to: [role:incident_commander]
  status_page_url: "https://status.example.com"
  templates:
    initial:
      subject: "ALERT {{ incident.id }}"
      text: |
        Incident {{ incident.id }}
        Severity {{ incident.severity_label }}
"""


def test_a_complete_notifications_section_loads() -> None:
    policy = load_policy_text(BASE).policy
    n = policy.notifications
    assert n.methods == {1: ("voice", "chat", "email"), 2: ("chat", "email")}
    assert n.via == {"chat": "slack"}
    assert n.on_declare == ("schedule:ops",)
    executives = n.audience("executives")
    assert executives is not None
    assert executives.updates is not None
    assert (executives.updates.every, executives.updates.severities) == (Target(7200), (1,))
    assert n.reminders is not None
    assert n.reminders.overdue_after == Target(600)
    assert n.templates["initial"].subject == "ALERT {{ incident.id }}"
    assert n.templates["initial"].text is not None
    slack = policy.channel("slack")
    assert slack is not None
    assert slack.templates["page"].short == "Page {{ incident.id }}"
    cto = policy.contact("cto")
    assert cto is not None
    assert (cto.email, cto.phone) == ("cto@example.com", "+4915100000009")
    role = policy.role("communications_lead")
    assert role is not None
    assert role.on_call == "ops"


def test_a_stored_policy_reads_back_the_same() -> None:
    loaded = load_policy_text(BASE)
    again = parse_document(loaded.document)
    assert again.digest == loaded.digest
    assert again.policy.notifications == loaded.policy.notifications
    assert loaded.document["notifications"]["methods"] == {
        "1": ["voice", "chat", "email"],
        "2": ["chat", "email"],
    }


def test_a_valid_file_notes_what_would_reach_nobody() -> None:
    text = BASE.replace("notify: [contact:cto]", "notify: [contact:cto, contact:board]")
    text = text.replace(
        "  - {name: support,", "  - {name: board, label: Board}\n  - {name: support,"
    )
    text = text.replace("on_declare: [schedule:ops]", "on_declare: [schedule:ops, channel:pager]")
    notes = [str(n) for n in load_policy_text(text, "policy.yaml").notes]
    assert any("notifications.on_declare[1]: channel:pager names no channel" in n for n in notes)
    assert any("contact:board has no primary person and no email" in n for n in notes)


@pytest.mark.parametrize(
    ("old", "new", "words", "at"),
    [
        ("    2: [chat, email]", "    3: [chat, email]", "severity 3 is not defined", "    3: ["),
        (
            "via: {chat: slack}",
            "via: {chat: mail}",
            "'mail' is not a channel that carries chat",
            "via:",
        ),
        ("notify: [contact:cto]", "notify: [contact:ceo]", "unknown contact 'ceo'", "contact:ceo"),
        (
            "notify: [contact:cto]",
            "notify: [audience:customer_support]",
            "an audience cannot contain an audience",
            "audience:customer_support]",
        ),
        (
            "on_declare: [schedule:ops]",
            "on_declare: [audience:board]",
            "unknown audience 'board'",
            "on_declare",
        ),
        (
            "on_resolve: [team:ops-team]",
            "on_resolve: [team:payments]",
            "unknown team 'payments' (allowed: team:ops-team, as defined under schedules[].team)",
            "on_resolve",
        ),
        ("severities: [1, 2]}", "severities: [1, 5]}", "severity 5 is not defined", "every: 30m"),
        ("overdue_after: 10m", "overdue_after: 10 parsecs", "duration", "overdue_after"),
        ("on_call: ops}", "on_call: nights}", "unknown schedule 'nights'", "on_call: nights"),
        ("    initial:\n", "    first:\n", "unknown template 'first'", "    first:"),
        ("[voice, chat, email]", "[voice, pager]", "'pager'", "    1: ["),
        (
            "token_env: FIRELINE_SLACK_TOKEN",
            "webhook_url: https://hooks.slack.com/x\n    token_env: FIRELINE_SLACK_TOKEN",
            "needs exactly one of webhook_url, webhook_url_env, token and token_env",
            "kind: slack",
        ),
        (
            "    token_env: FIRELINE_SLACK_TOKEN\n",
            "",
            "needs exactly one of webhook_url",
            "kind: slack",
        ),
        (
            "webhook_url_env: FIRELINE_TEAMS_URL}",
            "webhook_url: not-a-url}",
            "invalid URL 'not-a-url'",
            "kind: teams",
        ),
        (
            "webhook_url_env: FIRELINE_TEAMS_URL}",
            "timeout: 5}",
            "exactly one of webhook_url",
            "kind: teams",
        ),
        (
            "    auth_token_env: FIRELINE_TWILIO_SMS_TOKEN\n",
            "",
            "needs exactly one of auth_token and auth_token_env",
            "kind: sms",
        ),
        (
            "AC00000000000000000000000000000001",
            "ACnope",
            "invalid Twilio account SID",
            "kind: sms",
        ),
        (
            'base_url: "http://127.0.0.1:9999"',
            'base_url: "ftp://gateway"',
            "invalid URL",
            "kind: voice",
        ),
        ('phone: "+4915100000009"', 'phone: "0151 0000"', "invalid phone number", "name: cto"),
        (
            'status_page_url: "https://status.example.com"',
            'status_page_url: "status.example.com"',
            "invalid URL",
            "status_page_url",
        ),
    ],
)
def test_a_mistake_is_refused_at_its_line(old: str, new: str, words: str, at: str) -> None:
    assert BASE.count(old) == 1, old
    text = BASE.replace(old, new)
    problem = only_problem(text)
    assert words in problem.message, problem.message
    first = line_of(text, at.split("\n")[0])
    assert first - 1 <= problem.line <= first + 6, (problem.line, first)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{ incident.id }\n", "template 'initial' text, its line 2: syntax error"),
        ("{{ incident.id }}\n{{ incidnet.title }}\n", "its line 3: unknown variable 'incidnet'"),
        (
            "{{ incident.id }}\n{{ incident.__class__ }}\n",
            "its line 3: reaches outside the sandbox",
        ),
        ("{{ incident.nope }}\n", "its line 2: unknown field 'nope' of incident (allowed: id,"),
        ("{{ incident.services[0] | nope }}\n", "its line 2: syntax error: No filter named 'nope'"),
        # Refused before the work is done, not after seconds of it (issue 11)
        (
            "{{ incident.id }}\n{{ 9**9**9**9 }}\n",
            "its line 3: costs too much to render: exponent too large",
        ),
        ("{{ 'a' * 10**9 }}\n", "its line 2: costs too much to render: * would build more than"),
    ],
)
def test_policy_check_names_a_bad_template_and_its_line(
    tmp_path: Path, template: str, words: str
) -> None:
    # The template's own first line is "Incident {{ incident.id }}"; the bad line follows.
    text = BASE.replace(
        "        Incident {{ incident.id }}\n",
        "        Incident\n        " + template.replace("\n", "\n        ").rstrip() + "\n",
    )
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert (
        f"{path}:{line_of(text, '      text: |')}: notifications.templates.initial.text:"
        in result.stderr
    )
    assert words in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        (
            "host: smtp.example.com,",
            "host: smtp.example.com, port: 99999,",
            "channels[0].port",
            "invalid value 99999 (allowed: a whole number from 1 to 65535)",
        ),
        (
            "host: smtp.example.com,",
            "host: smtp.example.com, prot: 25,",
            "channels[0].prot",
            "unknown key 'prot'; did you mean 'port'? (allowed: name, templates, kind, host, port",
        ),
        (
            "{kind: email, name: mail,",
            "{kind: emial, name: mail,",
            "channels[0]",
            "unknown kind 'emial' (allowed: 'email', 'webhook', 'slack', 'teams', 'sms', "
            "'voice', 'console')",
        ),
        (
            "token_env: FIRELINE_SLACK_TOKEN",
            "token: xoxb",
            "channels[1].token",
            "invalid text '(hidden)' (allowed: at least 10 characters)",
        ),
    ],
)
def test_a_channel_mistake_names_its_key_and_never_repeats_a_secret(
    old: str, new: str, key: str, words: str
) -> None:
    assert BASE.count(old) == 1, old
    problem = only_problem(BASE.replace(old, new))
    assert problem.key == key
    assert words in problem.message
    assert "xoxb" not in problem.message
    assert problem.value != "xoxb"


def test_policy_check_notes_a_secret_variable_that_is_not_set_here(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(BASE, encoding="utf-8")
    unset = {"FIRELINE_SLACK_TOKEN": None, "FIRELINE_TEAMS_URL": "https://x.example"}
    result = CliRunner().invoke(policy_app, ["check", str(path)], env=unset)
    assert result.exit_code == 0, result.output
    assert (
        "note: channel slack: FIRELINE_SLACK_TOKEN is not set here, so its messages would fail"
        in result.stdout
    )
    assert "FIRELINE_TEAMS_URL is not set" not in result.stdout
