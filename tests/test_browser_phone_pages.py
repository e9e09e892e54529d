"""Every page fits a phone from 320 to 414 px wide (no sideways scrolling): home, join,
the session, the console and the Koffiehoek; on the session page the composer stays at
hand however long the board gets."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import Api, new_user, remember_session
from server_process import ServerProcess
from test_browser_phone import assert_fits_the_screen

pytestmark = pytest.mark.browser

WIDTHS = (320, 375, 414)


def _fits_at_every_width(page: Page, where: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        try:
            assert_fits_the_screen(page)
        except AssertionError as wide:
            raise AssertionError(f"{where} at {width} px: {wide}") from None


def test_every_page_fits_a_phone_and_the_composer_stays_at_hand(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Een heidag op afstand met een lange titel voor een telefoon")
    sid, token = session["id"], session["facilitator_token"]
    for k in range(14):
        api.call("POST", f"/sessions/{sid}/ideas", token,
                 {"text": f"Idee {k}: samen lunchen op woensdag met het hele team"})
    rnd = api.call("POST", f"/sessions/{sid}/rounds", token,
                   {"kind": "ideate", "prompt": "Wat mis je?", "duration_s": 600})
    api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", token)
    phone = new_user(chromium, sprankel, "Chris", phone=True)
    try:
        page = phone.goto("/")
        expect(page.locator("form")).to_be_visible()
        _fits_at_every_width(page, "home")
        page = phone.goto(session["links"]["join"])
        expect(page.locator("#join-session-title")).to_be_visible()
        _fits_at_every_width(page, "join")

        page.fill("#name", "Chris")
        page.click("form button[type=submit]")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        expect(page.locator("#panel-board .clusters [data-idea]")).to_have_count(14)
        _fits_at_every_width(page, "session")
        # The composer is at hand at the bottom of a long board.
        page.set_viewport_size({"width": 375, "height": 740})
        page.mouse.wheel(0, 20000)
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        box = page.locator("#idea-text").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 740, box
        page.fill("#idea-text", "Nog een idee, onderaan geschreven")
        page.keyboard.press("Enter")
        expect(page.locator("#panel-board [data-idea]", has_text="onderaan")).to_be_visible()

        remember_session(phone, sid, token, "facilitator", "Fien")
        page = phone.goto(f"/s/{sid}/console")
        expect(page.locator("#panel-console")).to_be_visible()
        _fits_at_every_width(page, "console")

        page = phone.goto("/k")
        expect(page.locator("form")).to_be_visible()
        _fits_at_every_width(page, "new Koffiehoek")
        page.fill("#space-name", "Team Zuid met een lange naam")
        page.fill("#your-name", "Chris")
        page.click("form button[type=submit]")
        expect(page.locator("#chat-text")).to_be_visible()
        _fits_at_every_width(page, "Koffiehoek")
        # On a phone, who is around comes first: it is what a Koffiehoek is for.
        page.set_viewport_size({"width": 375, "height": 740})
        around = page.locator(".space-presence").bounding_box()
        tables = page.locator(".voice-tables").bounding_box()
        assert around and tables and around["y"] < tables["y"], (around, tables)
        # Seated, the push-to-talk key is not offered on a touch screen without a keyboard.
        page.get_by_role("button", name="Aanschuiven").first.click()
        expect(page.get_by_role("button", name="Opstaan")).to_be_visible()
        expect(page.locator("#voice-ptt")).to_be_hidden()
        phone.assert_clean()
    finally:
        phone.close()
        api.close()
