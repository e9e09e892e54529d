"""A participant who loses the connection keeps writing; the idea reaches everyone later."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, screenshot, token_claims
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def test_idea_written_offline_reaches_everyone_after_reconnect(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    api = Api(sprankel)
    session = api.create_session("Offline")
    anna = new_user(chromium, sprankel, "Anna")
    bram = new_user(chromium, sprankel, "Bram")
    try:
        for user in (anna, bram):
            joined = api.join(session, user.name)
            remember_session(user, session["id"], joined["token"], "participant", user.name,
                             token_claims(joined["token"])["p"])
            user.goto(f"/s/{session['id']}")
            expect(user.page.locator("#connection")).to_have_attribute("data-state", "online")

        anna.context.set_offline(True)
        expect(anna.page.locator("#connection")).to_have_attribute("data-state", "offline")
        anna.page.fill("#idea-text", "Geschreven in de trein zonder bereik")
        anna.page.keyboard.press("Enter")
        expect(anna.page.locator("[data-idea]", has_text="in de trein")).to_be_visible()
        screenshot(anna.page, "session-offline")
        # Bram writes meanwhile: both edits must survive the merge.
        bram.page.fill("#idea-text", "Written while Anna was away")
        bram.page.keyboard.press("Enter")

        bram.page.fill("#idea-text", "Half a thought")  # typing while Anna's idea arrives

        anna.context.set_offline(False)
        expect(anna.page.locator("#connection")).to_have_attribute("data-state", "online")
        expect(bram.page.locator("[data-idea]", has_text="in de trein")).to_be_visible()
        expect(bram.page.locator("#idea-text")).to_have_value("Half a thought")
        expect(anna.page.locator("[data-idea]", has_text="while Anna was away")).to_be_visible()
        # And it is on the server, not only in the two browsers: a newcomer sees it too.
        carla = new_user(chromium, sprankel, "Carla")
        joined = api.join(session, "Carla")
        remember_session(carla, session["id"], joined["token"], "participant", "Carla",
                         token_claims(joined["token"])["p"])
        carla.goto(f"/s/{session['id']}")
        expect(carla.page.locator("[data-idea]", has_text="in de trein")).to_be_visible()
        carla.close()
    finally:
        anna.close()
        bram.close()
        api.close()
