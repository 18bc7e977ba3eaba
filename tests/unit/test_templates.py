"""Message templates: handbook 002's wording by default, overrides per policy and channel,
checked before use, and kept inside Jinja2's sandbox."""

from __future__ import annotations

import json

import pytest

from fireline.adapters.notifications.templates import check_template, render_message
from fireline.domain.messages import ChannelConfig
from fireline.domain.notifications import TemplateText
from fireline.domain.templating import SAMPLE


def render(template: str, **kwargs: object) -> object:
    options: dict[str, object] = {
        "policy_templates": {},
        "channel": None,
        "variables": SAMPLE,
        "key": "k1",
        "incident_id": "INC-2026-1125-001",
    }
    options.update(kwargs)
    return render_message(template, **options)  # type: ignore[arg-type]


def test_the_initial_notification_is_handbook_002_s_template() -> None:
    message = render("initial")
    assert message.subject == "INCIDENT ALERT - checkout (INC-2026-1125-001, Sev-1)"  # type: ignore[attr-defined]
    text = message.text  # type: ignore[attr-defined]
    for line in (
        "INCIDENT ALERT - checkout",
        "Status: Investigating",
        "Severity: Critical",
        "Impact: Card payments fail with a timeout",
        "Affected Services: checkout, payments",
        "Start Time: 2026-11-25 10:00 UTC",
        "will provide updates every 30 minutes",
        "Next Update: 2026-11-25 10:30 UTC",
        "Status Page: https://status.example.com",
    ):
        assert line in text, line


def test_the_status_update_and_resolution_notice_follow_handbook_002() -> None:
    update = render("update").text  # type: ignore[attr-defined]
    assert "INCIDENT UPDATE - checkout" in update
    assert "Update: Rolled back the 10:02 deploy" in update
    assert "Next Steps: Watch error rates" in update
    resolved = render("resolution").text  # type: ignore[attr-defined]
    assert "INCIDENT RESOLVED - checkout" in resolved
    assert "Duration: 1 hour 30 minutes" in resolved
    assert "We apologize for the inconvenience." in resolved


def test_a_part_comes_from_the_channel_then_the_policy_then_fireline() -> None:
    policy = {"page": TemplateText(subject="POLICY {{ incident.id }}", short="policy short")}
    channel = ChannelConfig("slack", "slack", {}, {"page": TemplateText(short="CHANNEL short")})
    message = render("page", policy_templates=policy, channel=channel)
    assert message.subject == "POLICY INC-2026-1125-001"  # type: ignore[attr-defined]
    assert message.short == "CHANNEL short"  # type: ignore[attr-defined]
    assert message.text.startswith("Escalated to level 2")  # type: ignore[attr-defined]


def test_slack_blocks_are_rendered_as_json_with_values_escaped() -> None:
    blocks = (
        '[{"type": "section", "text": {"type": "mrkdwn", "text": {{ incident.title | tojson }}}}]'
    )
    variables = {**SAMPLE, "incident": {**SAMPLE["incident"], "title": 'Say "hi" <b>'}}  # type: ignore[dict-item]
    message = render(
        "page", policy_templates={"page": TemplateText(blocks=blocks)}, variables=variables
    )
    parsed = json.loads(message.blocks)  # type: ignore[attr-defined]
    assert parsed[0]["text"]["text"] == 'Say "hi" <b>'


def test_a_template_that_breaks_at_run_time_falls_back_to_fireline_s_wording() -> None:
    broken = {"page": TemplateText(subject="{{ incident.nope }}")}
    message = render("page", policy_templates=broken)
    assert message.subject.startswith("[Sev-1] INC-2026-1125-001")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("part", "source", "line", "words"),
    [
        ("text", "Hello\n{% if incident %}\nno end", 2, "syntax error"),
        ("subject", "a\nb\n{{ incident.title }\nc", 3, "syntax error"),
        ("text", "a\nb\n{{ incidnet.title }}", 3, "unknown variable 'incidnet'"),
        ("text", "a\n{{ incident.nope }}", 2, "unknown field 'nope' of incident (allowed: id,"),
        ("blocks", "[{{ event.notee | tojson }}]", 1, "unknown field 'notee' of event"),
        ("text", "{{ incident['titel'] }}", 1, "unknown field 'titel' of incident"),
        ("text", "x\n{{ incident.__class__.__mro__ }}", 2, "reaches outside the sandbox"),
        ("subject", "{{ ''.__class__.__mro__[1].__subclasses__() }}", 1, "outside the sandbox"),
        ("text", "{{ incident.services.append('x') }}", 1, "outside the sandbox"),
        ("text", "{{ 'x' * 1000000 }}", 1, "would build more than 100000 characters"),
        ("text", "{{ 1 / 0 }}", 1, "ZeroDivisionError"),
        # What a message template may not do, so that rendering one stays cheap
        (
            "text",
            "a\n{% for c in incident.description %}{{ c }}{% endfor %}",
            2,
            "only over incident.services",
        ),
        (
            "text",
            "{% for a in incident.services %}{% for b in incident.services %}\n"
            "{% for c in incident.services %}x{% endfor %}{% endfor %}{% endfor %}",
            2,
            "loops nested more than 2 deep",
        ),
        ("text", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", 1, "macros are not allowed"),
        ("text", "{% for i in range(99999) %}x{% endfor %}", 1, "only over incident.services"),
        ("text", "{{ range(99999) | join }}", 1, "unknown variable 'range'"),
        ("text", "{{ lipsum(1000) }}", 1, "unknown variable 'lipsum'"),
        ("text", "{{ 'x' | center(100000000) }}", 1, "No filter named 'center'"),
        ("text", "{{ '%200000000s' % 'x' }}", 1, "% formatting of text"),
        ("text", "{{ 10 ** 100 }}", 1, "exponent too large"),
        (
            "text",
            "{{ 'ab' " + "| replace('', 'xxxxxxxxxx') " * 6 + "}}",
            1,
            "replace would build more than 100000 characters",
        ),
        # Work a template could make a render do: refused before it is done (issue 11)
        ("text", "{{ 9**9**9**9 }}", 1, "exponent too large"),
        ("text", "a\n{{ 9**64**64**64**64 }}", 2, "exponent too large"),
        ("text", "{{ (2**200) * (2**200) }}", 1, "a number with more than 256 bits"),
        ("text", "{{ 'a' * 10**9 }}", 1, "would build more than 100000 characters"),
        ("text", "{{ 'x'.ljust(100000000) }}", 1, "calls are not allowed"),
        ("text", "{{ ['a', 'b', 'c'] | join('x' * 60000) }}", 1, "join would build more"),
        (
            "text",
            "{{ incident.title | wordwrap(1, wrapstring='x' * 10000) }}",
            1,
            "wordwrap would build more",
        ),
        ("text", "{{ 5 | round(-100000000) }}", 1, "round to more than 30 places"),
        ("text", "{{ incident | tojson(100000000) }}", 1, "tojson indent above 8"),
        ("text", "{{ incident.title | trim('y' * 1000) }}", 1, "trim of more than 100"),
        ("text", "{{ [[1]] * 50000 | sum(start=[]) }}", 1, "sum adds numbers"),
        ("text", "{{ incident.title | urlize }}", 1, "No filter named 'urlize'"),
        (
            "text",
            "{{ (" + " ~ ".join(["('x' * 99999)"] * 30) + ") | length }}",
            1,
            "does more than 200000 steps of work in one render",
        ),
        (
            "text",
            "{{ (['y'] * 50000) | select('in', 'x' * 99999) | list | length }}",
            1,
            "does more than 200000 steps of work in one render",
        ),
        (
            # Found in review: a filter or test per item cost far more than its weight, so
            # this took seconds within the old budget. Calls now cost what they do.
            "text",
            "{{ ('a' * 99999) | list | select('eq', 'a') | list | length }}",
            1,
            "does more than 200000 steps of work in one render",
        ),
        ("text", "a\n{% set big = 'x' * 99999 %}{{ big ~ big }}", 2, "set statements are not"),
        ("text", "{% with big = 'x' %}{{ big }}{% endwith %}", 1, "with blocks are not allowed"),
        ("text", "{% filter upper %}x{% endfilter %}", 1, "filter blocks"),
        ("text", "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", None, "nested too deeply"),
        ("text", "{{ " + " + ".join(["1"] * 60) + " }}", 1, "is nested more than 50 deep"),
        ("text", "{{ " + "9" * 5000 + " }}", None, "a number with too many digits"),
        ("text", "{{ [" + ", ".join(["incident.title"] * 600) + "] }}", None, "more than 1000"),
        (
            "text",
            "{% for a in incident.services %}{% for b in incident.services %}\n"
            + "{{ a ~ b ~ a ~ b ~ a ~ b ~ a ~ b ~ a ~ b }}" * 2
            + "{% endfor %}{% endfor %}",
            2,
            "would run more than 50000 parts in one render",
        ),
        ("blocks", "not json", None, "does not render valid JSON"),
        ("blocks", '{"type": "section"}', None, "a JSON list of Slack blocks"),
    ],
)
def test_a_bad_template_is_refused_with_its_line(
    part: str, source: str, line: int | None, words: str
) -> None:
    problem = check_template(part, source)
    assert problem is not None
    assert words in problem.message
    assert problem.line == line


def test_every_fireline_template_passes_its_own_check() -> None:
    from fireline.adapters.notifications.wording import DEFAULT_TEMPLATES

    for name, template in DEFAULT_TEMPLATES.items():
        for part in ("subject", "text", "short", "markdown", "blocks"):
            source = template.part(part)
            if source is not None:
                assert check_template(part, source) is None, (name, part)


def test_a_rendered_part_is_cut_at_its_limit() -> None:
    from fireline.adapters.notifications.templates import MAX_PART

    long = {**SAMPLE, "incident": {**SAMPLE["incident"], "description": "x" * 20_000}}  # type: ignore[dict-item]
    template = {"page": TemplateText(text="{{ incident.description * 2 }}")}
    message = render("page", policy_templates=template, variables=long)
    assert len(message.text) == MAX_PART  # type: ignore[attr-defined]


def test_incident_text_cannot_ping_a_slack_room_or_hide_a_link() -> None:
    title = "<!channel> reset SSO at <https://evil.example|fireline.example.com> & more"
    variables = {**SAMPLE, "incident": {**SAMPLE["incident"], "title": title}}  # type: ignore[dict-item]
    slack = ChannelConfig("slack", "slack", {})
    message = render("initial", channel=slack, variables=variables)
    assert "<!channel>" not in message.short  # type: ignore[attr-defined]
    assert (
        "&lt;!channel&gt; reset SSO at &lt;https://evil.example|fireline.example.com&gt; &amp;"
        in (
            message.short  # type: ignore[attr-defined]
        )
    )
    assert "<http://127.0.0.1:8000/api/v1/incidents/INC-2026-1125-001|Open the incident>" in (
        message.markdown  # type: ignore[attr-defined]
    )  # the template's own link stays a link
    email = render("initial", channel=ChannelConfig("mail", "email", {}), variables=variables)
    assert title in email.short  # type: ignore[attr-defined]


def test_ordinary_uses_of_the_guarded_filters_render() -> None:
    source = (
        "{{ incident.services | join(', ') }}|{{ 'a b c' | wordwrap(3) }}|{{ 2.567 | round(1) }}|"
        "{{ [1, 2, 3] | sum }}|{{ '  x  ' | trim }}|{{ 'xax' | trim('x') }}|{{ 2 ** 10 }}|"
        "{{ event.level * 60 }}|{{ (['a'] * 3) | join }}|{{ incident.id ~ '!' }}|"
        "{{ {'a': 1} | tojson(2) }}"
    )
    assert check_template("text", source) is None
    message = render("page", policy_templates={"page": TemplateText(text=source)})
    assert message.text == (  # type: ignore[attr-defined]
        'checkout, payments|a b\nc|2.6|6|x|a|1024|120|aaa|INC-2026-1125-001!|{\n  "a": 1\n}'
    )


def test_a_template_too_costly_for_a_large_incident_falls_back_to_fireline_s_wording() -> None:
    # Cheap for the sample incident, which policy check renders; a real one may have 50
    # services and a 20,000-character description: 2,500 turns of 20,000 characters each.
    costly = (
        "{% for a in incident.services %}{% for b in incident.services %}"
        "{% if (incident.description ~ a) | length > 1 %}{% endif %}{% endfor %}{% endfor %}x"
    )
    assert check_template("text", costly) is None
    large = {
        **SAMPLE,
        "incident": {
            **SAMPLE["incident"],  # type: ignore[dict-item]
            "services": [f"service-{number}" for number in range(50)],
            "description": "d" * 20_000,
        },
    }
    message = render("page", policy_templates={"page": TemplateText(text=costly)}, variables=large)
    assert message.text.startswith("Escalated to level 2")  # type: ignore[attr-defined]
