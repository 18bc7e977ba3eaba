"""The list/search query mix: for each kind, the URLs one sequential client cycles through."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx

from vocab import RARE_WORDS, REPORTERS, SERVICES, TEAMS, WORDS

BASE = "/api/v1/incidents"


def _url(**params: str | int) -> str:
    return f"{BASE}?{urlencode({k.rstrip('_'): v for k, v in params.items()})}" if params else BASE


def _weeks(rng: random.Random, count: int) -> list[str]:
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    urls = []
    for _ in range(count):
        start = now - timedelta(days=rng.randint(7, 720))
        until = start + timedelta(days=7)
        urls.append(_url(from_=f"{start:%Y-%m-%dT%H:%M:%SZ}", until=f"{until:%Y-%m-%dT%H:%M:%SZ}"))
    return urls


def query_mix(client: httpx.Client, seed: int = 11) -> dict[str, list[str]]:
    """Query kinds → URLs. Words come from `vocab.WORDS`, ordered by how common they are."""
    rng = random.Random(seed)
    services = [name for name, _, _ in SERVICES]
    mid = list(WORDS[40:160])
    mix: dict[str, list[str]] = {
        "no filter": [BASE],
        "status=in_progress": [_url(status="in_progress")],
        "status=open&severity=1": [_url(status="open", severity=1)],
        "service=X": [_url(service=name) for name in services],
        "team=Y": [_url(team=name) for name in TEAMS],
        "reporter=Z": [_url(reporter=name) for name in REPORTERS],
        "type=security": [_url(type_="security")],
        "priority=P1": [_url(priority="P1")],
        "from/until one week": _weeks(rng, 50),
        "q=common word": [_url(q=word) for word in WORDS[:8]],
        "q=mid word": [_url(q=word) for word in mid[:50]],
        "q=rare word": [_url(q=word) for word in RARE_WORDS],
        "q=two words": [_url(q=" ".join(rng.sample(mid, 2))) for _ in range(50)],
        "filter+q": [
            _url(service=rng.choice(services), severity=rng.choice((2, 3)), q=rng.choice(mid))
            for _ in range(50)
        ],
    }
    pages = []
    for first in (BASE, _url(status="closed"), _url(service="checkout"), _url(q=WORDS[0])):
        cursor = client.get(first).raise_for_status().json()["next_cursor"]
        if cursor:
            pages.append(f"{first}{'&' if '?' in first else '?'}{urlencode({'cursor': cursor})}")
    mix["page 2 (cursor)"] = pages
    return mix
