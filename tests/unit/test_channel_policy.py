"""The `channels` section: a typed config per kind, refused with its line when incomplete."""

from __future__ import annotations

import pytest

from fireline.adapters.policy_file import load_policy_text
from tests.policy_problems import line_of, only_problem

BASE = """\
fireline_policy: 1
name: channels
incident_types: [{name: infrastructure, label: Infrastructure}]
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
severity_rule: {when_unknown: 1}
priority_matrix: {priority_severity: {P1: 1, P2: 1, P3: 1, P4: 1}}
channels:
  - kind: email
    name: mail
    host: smtp.example.com
    from_address: fireline@example.com
    username: bot
    password_env: FIRELINE_SMTP_PASSWORD
  - kind: webhook
    name: hooks
    url: "https://hooks.example.com/fireline"
    secret_env: FIRELINE_HOOK_SECRET
"""


def test_valid_channels_load_with_their_settings() -> None:
    policy = load_policy_text(BASE).policy
    mail = policy.channel("mail")
    assert mail is not None
    assert mail.kind == "email"
    assert (mail.settings["port"], mail.settings["security"]) == (587, "starttls")
    hooks = policy.channel("hooks")
    assert hooks is not None
    assert hooks.settings["secret_env"] == "FIRELINE_HOOK_SECRET"


@pytest.mark.parametrize(
    ("old", "new", "words", "at"),
    [
        (
            "    secret_env: FIRELINE_HOOK_SECRET",
            "    timeout: 5",
            "exactly one of secret",
            "kind: webhook",
        ),
        (
            '"https://hooks.example.com/fireline"',
            '"hooks.example.com"',
            "invalid URL",
            "kind: webhook",
        ),
        (
            "    password_env: FIRELINE_SMTP_PASSWORD\n",
            "",
            "a username but no secret",
            "kind: email",
        ),
        ("secret_env: FIRELINE_HOOK_SECRET", "secret: short", "at least 16", "kind: webhook"),
        ("FIRELINE_SMTP_PASSWORD", "lower-case", "environment variable name", "kind: email"),
        ("fireline@example.com", "nobody", "invalid email address", "kind: email"),
        ("name: hooks", "name: mail", "duplicate name 'mail'", "name: mail\n    url"),
    ],
)
def test_an_incomplete_or_malformed_channel_is_refused_at_its_line(
    old: str, new: str, words: str, at: str
) -> None:
    assert BASE.count(old) == 1, old
    text = BASE.replace(old, new)
    problem = only_problem(text)
    assert words in problem.message
    first_line_of_entry = line_of(text, at.split("\n")[0], nth=text.count(at.split("\n")[0]))
    assert first_line_of_entry - 1 <= problem.line <= first_line_of_entry + 5
