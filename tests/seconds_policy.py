"""A policy whose every wait is seconds long, for tests that run real workers in real time.

A Sev-1 incident under it plans ten timers within 6 s of its declaration: response warning
and breach (1.5 s, 2 s), escalation levels 1-4 (every 1 s without a resolution path),
notices at 2 s and 4 s, resolution warning and breach (4.5 s, 6 s).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from fireline.adapters.policy_file import load_preset

SECONDS_POLICY = """\
fireline_policy: 1
name: seconds
incident_types:
  - {name: infrastructure, label: Infrastructure}
severities:
  - {level: 1, name: critical, label: Critical, response: 2s, resolution: 6s}
  - {level: 2, name: high, label: High, response: 1h, resolution: 8h}
  - {level: 3, name: medium, label: Medium, response: 4h, resolution: 24h}
  - {level: 4, name: low, label: Low, response: 24h, resolution: 72h}
criticality_tiers:
  - {name: mission_critical, level: 1, label: Mission Critical, implies_severity: 1}
contacts:
  - {name: it_manager, label: IT Manager}
  - {name: cto, label: CTO}
escalation:
  levels:
    - {level: 1, action: Post in the team channel, notify: [channel:ops]}
    - {level: 2, action: Page the IT manager, notify: [contact:it_manager]}
    - {level: 3, action: Page the CTO, notify: [contact:cto]}
    - {level: 4, action: Page both, notify: [contact:it_manager, contact:cto]}
  by_criticality:
    - {criticality: mission_critical, every: 1s, up_to: 4}
  elapsed_notifications:
    - {after: 2s, severities: [1], notify: [contact:it_manager]}
    - {after: 4s, severities: [1], notify: [contact:cto]}
"""
TIMERS_PER_INCIDENT = 10
LAST_TIMER_AFTER_S = 6
TIMER_KINDS = ("sla_warning", "sla_breach", "escalation", "notify", "review_due")


def write_seconds_policy(directory: Path) -> Path:
    path = directory / "seconds.yaml"
    path.write_text(SECONDS_POLICY)
    return path


def write_preset_without_notifications(directory: Path, preset: str) -> Path:
    """The preset as a file, without its `notifications` section: for tests of timer
    mechanics that count every timer, which should not count update reminders too."""
    document = dict(load_preset(preset).document)
    del document["notifications"]
    path = directory / f"{preset}-quiet.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path
