"""Brainwriting: each sheet passes to the next participant, who builds on what is on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, screenshot, token_claims
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser

TURN_S = 5  # one silent turn; the server passes the sheets on at its deadline
WAIT_MS = 4 * TURN_S * 1000


def test_sheets_pass_on_and_are_revealed_after_the_last_turn(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    api = Api(sprankel)
    session = api.create_session("6-3-5")
    sid, token = session["id"], session["facilitator_token"]
    round_ = api.call("POST", f"/sessions/{sid}/rounds", token,
                      {"kind": "brainwrite", "prompt": "Hoe houden we contact?",
                       "duration_s": TURN_S, "rotations": 1, "auto_reveal": True})
    users = [new_user(chromium, sprankel, name) for name in ("Anna", "Bram")]
    try:
        for user in users:
            joined = api.join(session, user.name)
            remember_session(user, sid, joined["token"], "participant", user.name,
                             token_claims(joined["token"])["p"])
            user.goto(f"/s/{sid}")
            expect(user.page.locator("#connection")).to_have_attribute("data-state", "online")
        anna, bram = (u.page for u in users)
        api.call("POST", f"/sessions/{sid}/rounds/{round_['id']}/start", token)
        expect(anna.locator(".hidden-hint")).to_be_visible()
        anna.fill("#idea-text", "Wekelijkse wandel-call")
        anna.keyboard.press("Enter")
        bram.fill("#idea-text", "Een gedeelde playlist")
        bram.keyboard.press("Enter")
        expect(anna.locator(".drafts [data-draft]")).to_have_count(1)
        expect(bram.locator(".drafts [data-draft]")).to_have_count(1)

        # At the deadline the sheets change hands: each sees the other's idea to build on.
        expect(anna.locator(".drafts h3").first).to_have_text(
            "Blad in handen (beurt 2 van 2): bouw hierop voort", timeout=WAIT_MS)
        expect(anna.locator(".drafts .sheet")).to_contain_text("Een gedeelde playlist",
                                                               timeout=WAIT_MS)
        expect(bram.locator(".drafts .sheet")).to_contain_text("Wekelijkse wandel-call",
                                                               timeout=WAIT_MS)
        screenshot(anna, "session-brainwriting")
        # The writing view keeps the sheet in hand in view.
        anna.click("#open-writing")
        expect(anna.locator("dialog.writing .writing-sheet")).to_contain_text(
            "Een gedeelde playlist")
        anna.click("#close-writing")
        anna.fill("#idea-text", "Met een gedeelde playlist tijdens het wandelen")
        anna.keyboard.press("Enter")
        expect(anna.locator(".drafts [data-draft]")).to_have_count(2)

        # After the last turn everything is revealed on the board, for everyone.
        for page in (anna, bram):
            expect(page.locator("[data-idea]")).to_have_count(3, timeout=WAIT_MS)
        expect(bram.locator("[data-idea]", has_text="tijdens het wandelen")).to_be_visible()
        for user in users:
            user.assert_clean()
    finally:
        for user in users:
            user.close()
        api.close()
