"""Dutch and English: chosen from the browser, switchable, remembered."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, token_claims
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def test_language_follows_the_browser_then_the_users_choice(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    user = new_user(chromium, sprankel, "Sam", locale="en-US")
    try:
        page = user.goto("/")
        expect(page.locator("h1")).to_have_text("New session")
        expect(page.locator("html")).to_have_attribute("lang", "en")

        page.click("#lang-switch")
        expect(page.locator("h1")).to_have_text("Nieuwe sessie")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.locator("label[for=title]")).to_have_text("Titel")

        page.reload()
        expect(page.locator("h1")).to_have_text("Nieuwe sessie")
        # The server renders the shell in the remembered language too (no English flash).
        response = page.request.get(sprankel.http_url + "/")
        assert '<html lang="nl"' in response.text()
    finally:
        user.close()


def test_dutch_browser_gets_dutch(chromium: Browser, sprankel: ServerProcess) -> None:
    user = new_user(chromium, sprankel, "Sanne", locale="nl-BE")
    try:
        page = user.goto("/")
        expect(page.locator("h1")).to_have_text("Nieuwe sessie")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
    finally:
        user.close()


def test_switching_language_in_a_session_keeps_the_page_in_that_language(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    api = Api(sprankel)
    session = api.create_session("Taal")
    user = new_user(chromium, sprankel, "Kim", locale="nl-NL")
    try:
        joined = api.join(session, "Kim")
        remember_session(user, session["id"], joined["token"], "participant", "Kim",
                         token_claims(joined["token"])["p"])
        page = user.goto(f"/s/{session['id']}")
        page.click("#tab-whiteboard")
        expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        expect(page.locator("[data-testid=toolbar-rectangle]")).to_have_attribute(
            "aria-label", "Rechthoek")  # Excalidraw's own Dutch
        expect(page.locator("html")).to_have_attribute("lang", "nl")

        page.click("#lang-switch")
        expect(page.locator("#tab-board")).to_have_text("Idea board")
        expect(page.locator("[data-testid=toolbar-rectangle]")).to_have_attribute(
            "aria-label", "Rectangle")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#connection")).to_have_text("Connected")
        user.assert_clean()
    finally:
        user.close()
        api.close()
