"""The whole login in Chromium: Sprankel's "Inloggen", the provider's own login and
consent pages (tests/oidc: npm oidc-provider), back home logged in, a session created
from the home page under the account's name, then logout (issue 13)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect

import browser_support
from conftest import ServerFactory
from oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from server_process import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def world(tmp_path: Path, start_server: ServerFactory) -> Iterator[tuple[str, OidcProvider]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with OidcProvider(tmp_path / "oidc", base + "/auth/callback", base + "/",
                      groups={"anna": ["sprankel-makers"]}) as provider:
        start_server("--public-url", base, "--oidc-issuer", provider.issuer,
                     "--oidc-client-id", CLIENT_ID, "--oidc-client-secret", CLIENT_SECRET,
                     "--oidc-scopes", "openid profile email groups",
                     "--oidc-creator-group", "sprankel-makers", port=port)
        yield base, provider


def test_log_in_create_a_session_and_log_out(
        chromium: Browser, world: tuple[str, OidcProvider]) -> None:
    base, provider = world
    context = chromium.new_context(locale="nl-NL")
    context.set_default_timeout(browser_support.TIMEOUT_MS)
    problems: list[str] = []

    # Only Sprankel and the provider: the provider's page asks for a web font, refused here.
    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route(re.compile(r"^https?://"), local_only)
    page = context.new_page()
    page.on("pageerror", lambda err: problems.append(str(err)))
    try:
        page.goto(base + "/")
        expect(page.locator("#login-needed")).to_have_text(
            "Log in om een sessie of Koffiehoek te starten")
        page.locator("#login-button").click()

        # The provider's own pages: its login form, then its consent form.
        expect(page).to_have_url(re.compile("^" + re.escape(provider.issuer) + "/interaction/"))
        page.fill("input[name=login]", "anna")
        page.fill("input[name=password]", "geheim")
        page.click("button[type=submit]")
        expect(page.locator("button[type=submit]")).to_have_text("Continue")
        page.click("button[type=submit]")

        # Home again, logged in: the form starts with the account's name.
        expect(page).to_have_url(base + "/")
        expect(page.locator("#account-line")).to_contain_text("Ingelogd als Anna de Tester")
        expect(page.locator("#your-name")).to_have_value("Anna de Tester")
        page.fill("#title", "Met mijn account")
        page.click("button[type=submit]")
        expect(page.locator("#created-heading")).to_be_visible()
        page.locator("#open-console").click()
        expect(page.locator("#console-heading")).to_be_visible()
        expect(page.locator(".people-admin")).to_contain_text("met account")

        page.goto(base + "/")
        page.locator("#logout-link").click()
        # RP-initiated logout: the provider asks to confirm, then sends us home.
        expect(page).to_have_url(re.compile("^" + re.escape(provider.issuer)))
        page.locator("button[autofocus], button[type=submit]").first.click()
        expect(page).to_have_url(base + "/")
        expect(page.locator("#login-button")).to_be_visible()
        assert problems == [], problems
    finally:
        context.close()
