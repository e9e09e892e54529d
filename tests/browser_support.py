"""Playwright helpers for the browser tests: Debian's Chromium, one context per user.

tests/conftest.py loads this as a plugin (``pytest_plugins = ["browser_support"]``) for the
fixtures ``chromium`` (one browser per module) and ``sprankel`` (a real `sprankel serve`
on a free port), and use the helpers for users, screenshots and axe-core scans.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from server_process import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "client" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("SPRANKEL_CHROMIUM", "/usr/bin/chromium")
# Long enough for a loaded CI machine, short enough that a broken page fails fast.
TIMEOUT_MS = 15_000
# For actions (the browser context) and for expect(), whose own default is 5 s.
expect.set_options(timeout=TIMEOUT_MS)

ServerFactory = Callable[..., ServerProcess]


def _needs_browser() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not AXE.exists():
        pytest.skip("client/node_modules is missing (scripts/build-client)")


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    _needs_browser()
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"]
    )
    yield browser
    browser.close()


@pytest.fixture
def sprankel(start_server: ServerFactory) -> ServerProcess:
    return start_server()


@dataclass
class User:
    """One simulated person: their own browser context (storage, IndexedDB, cookies)."""

    name: str
    context: BrowserContext
    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def goto(self, path_or_url: str) -> Page:
        """Open a path on the server, or a full URL (the links the API hands out)."""
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        self.page.goto(url)
        return self.page

    def close(self) -> None:
        self.context.close()

    def assert_clean(self) -> None:
        """Nothing left this server, nothing broke the CSP, no script crashed."""
        assert self.foreign_requests == [], self.foreign_requests
        blocked = [p for p in self.problems
                   if "Content Security Policy" in p or p.startswith("page error")]
        assert blocked == [], blocked


PHONE = {"width": 375, "height": 740}  # a small phone, held upright


def new_user(browser: Browser, server: ServerProcess, name: str, locale: str = "nl-NL",
             color_scheme: str = "light", phone: bool = False) -> User:
    context = browser.new_context(
        viewport=PHONE if phone else {"width": 1280, "height": 900},  # type: ignore[arg-type]
        locale=locale, color_scheme=color_scheme,  # type: ignore[arg-type]
        accept_downloads=True, is_mobile=phone, has_touch=phone,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    user = User(name, context, page, server.http_url)
    own_host = urlsplit(server.http_url).netloc

    # Every request must stay on this server: no CDN fonts, no embeds, no trackers.
    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).netloc
        if route.request.url.startswith(("data:", "blob:")) or host == own_host:
            route.continue_()
        else:
            user.foreign_requests.append(route.request.url)
            route.abort()

    context.route(re.compile(r"^(?!data:|blob:).*"), guard)
    page.on("pageerror", lambda err: user.problems.append(f"page error: {err}"))
    page.on("console", lambda msg: user.problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" or "Content Security Policy" in msg.text else None)
    return user


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts, one readable line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # page.evaluate is not subject to the page's CSP (a <script> tag would be).
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {v['targets']}"
        for v in result
        if v["impact"] in impacts
    ]


# --- the HTTP API (issue 4), for setting up what a test is not about ---------------------


class Api:
    def __init__(self, server: ServerProcess) -> None:
        self.client = httpx.Client(base_url=server.http_url + "/api", timeout=10)

    def call(self, method: str, path: str, token: str | None = None,
             body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.request(method, path, headers=headers, json=body)
        assert response.status_code < 400, (
            f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def create_session(self, title: str = "Koffiehoek", **body: Any) -> dict[str, Any]:
        return dict(self.call("POST", "/sessions", body={"title": title, **body}))

    def join(self, session: dict[str, Any], name: str, role: str = "participant") -> dict[str, Any]:
        return dict(self.call("POST", f"/sessions/{session['id']}/participants",
                              body={"name": name, "join_code": session["join_code"], "role": role}))

    def close(self) -> None:
        self.client.close()


def token_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data


def remember_session(user: User, sid: str, token: str, role: str, name: str,
                     participant_id: str | None = None) -> None:
    """What the join page stores, so a test can open /s/SID directly as a known user."""
    user.goto("/")
    user.page.evaluate(
        "([sid, value, name]) => { localStorage.setItem('sprankel.session.' + sid,"
        " JSON.stringify(value)); localStorage.setItem('sprankel.name', name); }",
        [sid, {"token": token, "role": role, "name": name, "participant_id": participant_id},
         name],
    )


def clean_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
