"""`/docs` and `/redoc` load everything from Fireline itself, so they work offline."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

REFERENCE = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|url: '([^']*)'""")
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_only_files_fireline_serves(client: TestClient, page: str) -> None:
    response = client.get(page, headers={"Authorization": ""})
    assert response.status_code == 200
    references = [found for pair in REFERENCE.findall(response.text) for found in pair if found]
    assert "/openapi.json" in references
    assert any(reference.endswith(".js") for reference in references)
    for reference in references:
        assert reference.startswith("/"), f"{page} loads {reference} from elsewhere"
        assert not reference.startswith("//"), f"{page} loads {reference} from elsewhere"
        served = client.get(reference, headers={"Authorization": ""})
        assert served.status_code == 200, reference
        suffix = "." + reference.rsplit(".", 1)[-1]
        wanted = CONTENT_TYPES[suffix]
        assert served.headers["content-type"].split(";")[0] in wanted, reference


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_may_run_only_fireline_scripts_and_their_own_inline_one(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    directives = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    allowed = set(directives["script-src"].split())
    inline = {
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in INLINE_SCRIPT.findall(response.text)
    }
    assert allowed == {"'self'", *inline}
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    every_source = " ".join(directives.values())
    assert "http" not in every_source
    assert "*" not in every_source


def test_the_docs_are_public_like_the_openapi_document(app: FastAPI) -> None:
    with TestClient(app) as anonymous:
        for page in ("/docs", "/redoc", "/openapi.json"):
            assert anonymous.get(page).status_code == 200
