"""Dot voting works with the keyboard alone, with the remaining budget announced."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import Api, new_user, remember_session, token_claims
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser

MAX_TABS = 80


def tab_to(page: Page, selector: str, backwards: bool = False) -> None:
    """Press Tab until the focused element matches; fail after MAX_TABS presses."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} not reachable with the keyboard")


def test_participant_votes_with_the_keyboard_only(chromium: Browser, sprankel: ServerProcess
                                                  ) -> None:
    api = Api(sprankel)
    session = api.create_session("Stemmen", settings={"vote_budget": 2})
    facilitator = session["facilitator_token"]
    sid = session["id"]
    for text in ("Lunchwandeling op dinsdag", "Thuiswerkbudget voor een goede stoel"):
        api.call("POST", f"/sessions/{sid}/ideas", facilitator, {"text": text})
    voting = api.call("POST", f"/sessions/{sid}/rounds", facilitator,
                      {"kind": "vote", "prompt": "Kies", "duration_s": 300})
    api.call("POST", f"/sessions/{sid}/rounds/{voting['id']}/start", facilitator)
    anna = new_user(chromium, sprankel, "Anna")
    try:
        joined = api.join(session, "Anna")
        remember_session(anna, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        page = anna.goto(f"/s/{sid}")
        expect(page.locator(".budget")).to_contain_text("2")
        card = page.locator("[data-idea]", has_text="Lunchwandeling")
        add = '[data-idea] .vote-add[aria-label*="Lunchwandeling"]'
        tab_to(page, add)
        page.keyboard.press("Enter")
        expect(card.locator(".vote-count")).to_contain_text("1")
        page.keyboard.press("Space")
        expect(card.locator(".vote-count")).to_contain_text("2")
        expect(page.locator(".budget")).to_contain_text("zijn op")
        # Budget spent: the keyboard can still take a dot back.
        remove = '[data-idea] .vote-remove[aria-label*="Lunchwandeling"]'
        if not page.evaluate("(s) => document.activeElement?.matches(s)", remove):
            tab_to(page, remove, backwards=True)
        page.keyboard.press("Enter")
        expect(card.locator(".vote-count")).to_contain_text("1")
        expect(page.locator(".budget")).to_contain_text("1")
        # What the server counted is what the page shows (the page shows dots at once and
        # sends them in order; wait, bounded, for the last one to land).
        for _ in range(50):
            state = api.call("GET", f"/sessions/{sid}", joined["token"])
            if sum(state["my_votes"]["votes"].values()) == 1:
                break
            page.wait_for_timeout(100)
        assert state["my_votes"]["votes"] == {card.get_attribute("data-idea"): 1}
    finally:
        anna.close()
        api.close()
