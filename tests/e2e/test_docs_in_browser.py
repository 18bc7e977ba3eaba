"""The API docs render in a real browser with the internet out of reach.

Headless Debian Chromium (Playwright cannot download its own browsers here) loads the pages
of a real `fireline serve`. Every request the pages make to anywhere but that server is
recorded and refused, and the browser's proxy is a closed port, so nothing can leave the
machine. Without Chromium the tests skip, except in CI (`CI=true`), where that is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Route,
    expect,
    sync_playwright,
)

from tests.e2e.conftest import Server, base_env, start_server

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOWHERE = "http://127.0.0.1:1"
"""A proxy nobody listens on (port 1 needs root to bind): the browser's only way out."""
HANG_GUARD_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (./scripts/test installs Debian's chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true needs it")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=LAUNCH_ARGS,
            proxy={"server": NOWHERE, "bypass": "127.0.0.1"},
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for these tests, which only read: the docs need no data, and one backend."""
    folder = tmp_path_factory.mktemp("docs-server")
    yield from start_server(base_env(folder, f"sqlite:///{folder / 'fireline.db'}"), folder)


class Visit:
    """A page of `server` in its own browser context, with what it tried beyond the server
    and which Content-Security-Policy violations the browser reported."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(HANG_GUARD_MS)
        self.elsewhere: list[str] = []
        self.violations: list[str] = []
        self.origin = server.url
        self.context.route("**/*", self._only_the_server)
        self.page.on("console", self._note)

    def _only_the_server(self, route: Route) -> None:
        if route.request.url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def _note(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Browser, sqlite_server: Server) -> Iterator[tuple[Visit, str]]:
    visit = Visit(browser, sqlite_server)
    yield visit, sqlite_server.url
    visit.close()


def test_swagger_ui_lists_the_operations_offline(visit: tuple[Visit, str], tmp_path: Path) -> None:
    tab, url = visit
    tab.page.goto(f"{url}/docs")
    page = tab.page
    expect(page.get_by_role("heading", name="Fireline", level=1)).to_be_visible(
        timeout=HANG_GUARD_MS
    )
    expect(page.get_by_role("link", name="incidents", exact=True)).to_be_visible(
        timeout=HANG_GUARD_MS
    )
    listing = page.get_by_role("button", name="GET /api/v1/incidents List Incidents")
    expect(listing).to_be_visible(timeout=HANG_GUARD_MS)
    page.screenshot(path=tmp_path / "docs.png")
    assert tab.elsewhere == []
    assert tab.violations == []


def test_redoc_shows_the_operations_offline(visit: tuple[Visit, str], tmp_path: Path) -> None:
    tab, url = visit
    tab.page.goto(f"{url}/redoc")
    page = tab.page
    declare = page.get_by_role("heading", name=re.compile(r"\bDeclare$"), level=2)
    expect(declare).to_be_visible(timeout=HANG_GUARD_MS)
    expect(page.get_by_role("menuitem", name="incidents")).to_be_visible(timeout=HANG_GUARD_MS)
    page.screenshot(path=tmp_path / "redoc.png")
    assert tab.elsewhere == []
    # ReDoc's footer asks for Redocly's logo from their site; the policy blocks it.
    assert all("img-src" in violation for violation in tab.violations), tab.violations


def test_the_sign_in_page_is_styled_under_the_strict_policy(visit: tuple[Visit, str]) -> None:
    tab, url = visit
    tab.page.goto(f"{url}/login")
    expect(tab.page.get_by_role("button", name="Sign in")).to_be_visible(timeout=HANG_GUARD_MS)
    # 22rem, from /static/fireline.css: the stylesheet loaded.
    assert tab.page.locator("body").evaluate("body => getComputedStyle(body).maxWidth") == "352px"
    assert tab.elsewhere == []
    assert tab.violations == []
