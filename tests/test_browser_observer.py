"""An observer watches the board and the round, and can change nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def test_observer_sees_the_board_read_only(chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Meekijken")
    sid, token = session["id"], session["facilitator_token"]
    api.call("POST", f"/sessions/{sid}/ideas", token, {"text": "Stand-up om 9 uur"})
    voting = api.call("POST", f"/sessions/{sid}/rounds", token,
                      {"kind": "vote", "prompt": "Kies", "duration_s": 300})
    api.call("POST", f"/sessions/{sid}/rounds/{voting['id']}/start", token)
    olga = new_user(chromium, sprankel, "Olga")
    try:
        page = olga.goto(session["links"]["join"])
        page.fill("#name", "Olga")
        page.check("#observer")
        page.click("form button[type=submit]")
        expect(page.locator("[data-idea]")).to_contain_text("Stand-up om 9 uur")
        expect(page.locator(".presence")).to_contain_text("toeschouwer")
        expect(page.locator("#idea-text")).to_have_count(0)
        expect(page.locator(".composer")).to_contain_text("Je kijkt mee")
        expect(page.locator(".vote-add")).to_have_count(0)
        expect(page.locator("[data-idea] select")).to_have_count(0)
        expect(page.locator(".budget")).to_be_hidden()
        page.click("#tab-whiteboard")
        expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        expect(page.locator("[data-testid=toolbar-rectangle]")).to_have_count(0)  # view mode
        olga.assert_clean()
    finally:
        olga.close()
        api.close()
