"""A board at the server's size limit: the page says so clearly instead of silently failing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, token_claims
from conftest import ServerFactory

pytestmark = pytest.mark.browser


def test_a_full_board_shows_a_clear_message(chromium: Browser,
                                            start_server: ServerFactory) -> None:
    server = start_server("--max-document-size", "2000")
    api = Api(server)
    session = api.create_session("Vol bord")
    anna = new_user(chromium, server, "Anna")
    try:
        joined = api.join(session, "Anna")
        remember_session(anna, session["id"], joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        anna.goto(f"/s/{session['id']}")
        indicator = anna.page.locator("#connection")
        expect(indicator).to_have_attribute("data-state", "online")
        for i in range(60):  # each idea takes a few hundred bytes: full long before the end
            if indicator.get_attribute("data-state") == "full":
                break
            anna.page.fill("#idea-text", f"Idee nummer {i}: koffie op afstand, elke week")
            anna.page.keyboard.press("Enter")
            expect(anna.page.locator("[data-idea]", has_text=f"Idee nummer {i}:")).to_be_visible()
        expect(indicator).to_have_attribute("data-state", "full")
        expect(indicator).to_contain_text("Het bord is vol")
    finally:
        anna.close()
        api.close()
