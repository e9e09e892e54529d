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


# The number of lines an element's text is laid out on.
LINES = """(e) => { const r = document.createRange(); r.selectNodeContents(e);
  return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }"""


def test_on_a_small_phone_the_dots_and_the_clock_stay_readable_and_the_budget_at_hand(
        chromium: Browser, sprankel: ServerProcess) -> None:
    # At 320 px "Jouw stippen: 1 ●" broke at its colon, "Tijd is om" over two lines, and
    # while voting the screen's top held "you cannot write now" instead of the dots left.
    api = Api(sprankel)
    session = api.create_session("Klein scherm")
    sid, token = session["id"], session["facilitator_token"]
    phone = new_user(chromium, sprankel, "Chris", phone=True)
    try:
        joined = api.join(session, "Chris")
        remember_session(phone, sid, joined["token"], "participant", "Chris")
        for n in range(6):
            api.call("POST", f"/sessions/{sid}/ideas", token, {"text": f"Idee nummer {n}"})
        vote = api.call("POST", f"/sessions/{sid}/rounds", token,
                        {"kind": "vote", "prompt": "Kies", "duration_s": 600})
        api.call("POST", f"/sessions/{sid}/rounds/{vote['id']}/start", token, {})
        page = phone.goto(f"/s/{sid}")
        page.set_viewport_size({"width": 320, "height": 640})
        first = card(page, "Idee nummer 0")
        for _ in range(3):
            first.locator(".vote-add").tap()  # type: ignore[attr-defined]
        expect(first.locator(".vote-count")).to_contain_text("3")  # type: ignore[attr-defined]
        assert first.locator(".vote-count-label").evaluate(LINES) == 1  # type: ignore[attr-defined]
        assert first.locator(".vote-count-n").evaluate(LINES) == 1  # type: ignore[attr-defined]
        minus, plus = (first.locator(f".vote-{b}").bounding_box()  # type: ignore[attr-defined]
                       for b in ("remove", "add"))
        assert minus and plus and minus["y"] == plus["y"], (minus, plus)  # one row
        assert_fits_the_screen(page)

        card(page, "Idee nummer 5").scroll_into_view_if_needed()  # type: ignore[attr-defined]
        budget = page.locator(".budget").bounding_box()
        assert budget and 0 <= budget["y"] < 640, budget  # still on the screen
        expect(page.locator(".budget")).to_have_text("Nog 2 van 5 stippen over")

        api.call("POST", f"/sessions/{sid}/rounds/{vote['id']}/end", token, {})
        expect(page.locator(".timer-clock")).to_have_text("Tijd is om")
        assert page.locator(".timer-clock").evaluate(LINES) == 1
        assert_fits_the_screen(page)
        phone.assert_clean()
    finally:
        phone.close()
        api.close()
