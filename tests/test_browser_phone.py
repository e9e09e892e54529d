"""A facilitator and three colleagues, one of them on a phone 375 px wide: the phone user
joins with the link, writes, sees the others' ideas, votes and opens the whiteboard, and
the page never needs sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import Api, new_user, remember_session, screenshot
from server_process import ServerProcess

pytestmark = pytest.mark.browser


def assert_fits_the_screen(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    wide = page.evaluate(
        "(w) => [...document.querySelectorAll('body *')].filter((e) =>"
        " e.getBoundingClientRect().right > w + 1).slice(0, 8).map((e) =>"
        " `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)",
        widths[1])
    assert widths[0] <= widths[1], (
        f"the page is {widths[0]} px wide on a {widths[1]} px screen: {wide}")


def card(page: Page, text: str) -> object:
    return page.locator("#panel-board .clusters [data-idea]", has_text=text)


def test_a_colleague_on_a_phone_takes_part_in_a_whole_round(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Heidag op afstand")
    sid, token = session["id"], session["facilitator_token"]
    facilitator = new_user(chromium, sprankel, "Fien")
    colleagues = [new_user(chromium, sprankel, name) for name in ("Anna", "Bram")]
    phone = new_user(chromium, sprankel, "Chris", phone=True)
    users = [facilitator, *colleagues, phone]
    try:
        remember_session(facilitator, sid, token, "facilitator", "Fien")
        facilitator.goto(f"/s/{sid}/console")
        join = f"/join/{sid}?code={session['join_code']}"
        for user in (*colleagues, phone):
            page = user.goto(join)
            page.fill("#name", user.name)
            page.click("form button[type=submit]")
            expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        assert_fits_the_screen(phone.page)
        expect(facilitator.page.locator(".presence .person")).to_have_count(4)

        rnd = api.call("POST", f"/sessions/{sid}/rounds", token,
                       {"kind": "ideate", "prompt": "Wat mis je?", "duration_s": 600})
        api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", token, {})
        texts = {"Anna": "Samen lunchen", "Bram": "Een wandeloverleg", "Chris": "Koffie om tien"}
        for user in (*colleagues, phone):
            expect(user.page.locator("#round-prompt")).to_have_text("Wat mis je?")
            user.page.fill("#idea-text", texts[user.name])
            user.page.keyboard.press("Enter")
        for text in texts.values():
            expect(card(phone.page, text)).to_be_visible()  # type: ignore[attr-defined]
            expect(card(colleagues[0].page, text)).to_be_visible()  # type: ignore[attr-defined]
        assert_fits_the_screen(phone.page)
        screenshot(phone.page, "phone-board")

        api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/end", token, {})
        vote = api.call("POST", f"/sessions/{sid}/rounds", token,
                        {"kind": "vote", "prompt": "Wat doen we?", "duration_s": 600})
        api.call("POST", f"/sessions/{sid}/rounds/{vote['id']}/start", token, {})
        lunch = card(phone.page, "Samen lunchen")
        lunch.locator(".vote-add").tap()  # type: ignore[attr-defined]
        expect(lunch.locator(".vote-count")).to_contain_text("1")  # type: ignore[attr-defined]
        assert_fits_the_screen(phone.page)
        screenshot(phone.page, "phone-voting")

        phone.page.locator("#tab-whiteboard").tap()
        expect(phone.page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        assert_fits_the_screen(phone.page)
        for user in users:
            user.assert_clean()
    finally:
        for user in users:
            user.close()
        api.close()
