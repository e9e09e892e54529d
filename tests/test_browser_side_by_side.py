"""On a wide screen the idea board and the whiteboard can sit side by side."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import (
    Api,
    axe_violations,
    new_user,
    remember_session,
    screenshot,
    token_claims,
)
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def test_board_and_whiteboard_side_by_side_and_remembered(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    api = Api(sprankel)
    session = api.create_session("Naast elkaar")
    api.call("POST", f"/sessions/{session['id']}/ideas", session["facilitator_token"],
             {"text": "Een bord en een schets tegelijk"})
    user = new_user(chromium, sprankel, "Anna")
    try:
        joined = api.join(session, "Anna")
        remember_session(user, session["id"], joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        page = user.goto(f"/s/{session['id']}")
        expect(page.locator("#panel-whiteboard")).to_be_hidden()
        page.click("#side-by-side")
        expect(page.locator("#side-by-side")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#panel-board [data-idea]")).to_be_visible()
        expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        expect(page.locator("#tab-board")).to_have_text("Ideeënbord en whiteboard")
        screenshot(page, "session-side-by-side")
        assert axe_violations(page) == []

        page.reload()  # remembered
        expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        expect(page.locator("#panel-board [data-idea]")).to_be_visible()
        page.click("#side-by-side")
        expect(page.locator("#panel-whiteboard")).to_be_hidden()
        expect(page.locator("#tab-whiteboard")).to_be_visible()
        user.assert_clean()
    finally:
        user.close()
        api.close()
