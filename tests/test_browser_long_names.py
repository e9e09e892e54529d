"""A person's name has one limit, the API's (kernel/limits.py MAX_NAME), in every form that
asks for it: the form says it, counts, and never cuts a name silently (a longer name is
refused with the server's message). The longest name fits a phone: the presence list and
the card end it in an ellipsis with the whole name in the text and the title."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, token_claims
from server_process import ServerProcess
from sprankel.kernel.limits import MAX_NAME
from test_browser_phone import assert_fits_the_screen

pytestmark = pytest.mark.browser

LONGEST = "W" * MAX_NAME  # one unbreakable word: the worst case for a layout


def test_every_name_field_has_the_servers_limit_and_says_it(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Namen")
    space = api.call("POST", "/spaces", body={"name": "Team Loket", "your_name": "Anna",
                                              "language": "nl"})
    guest = new_user(chromium, sprankel, "Gast")
    try:
        for path, field in (("/", "#your-name"), ("/k", "#your-name"),
                            (f"/k/{space['id']}", "#name"), (session["links"]["join"], "#name")):
            page = guest.goto(path)
            name = page.locator(field)
            expect(name).to_have_attribute("maxlength", str(MAX_NAME))
            hint = page.locator(f"{field}-hint")
            expect(hint).to_contain_text(f"Hoogstens {MAX_NAME} tekens.")
            described = name.get_attribute("aria-describedby") or ""
            assert f"{field[1:]}-hint" in described and f"{field[1:]}-count" in described, path
            name.fill("")
            name.press_sequentially("Zoë")
            expect(page.locator(f"{field}-count")).to_have_text(f"3 van {MAX_NAME} tekens")
            name.fill(LONGEST + "XYZ")  # typed or pasted past the limit: the counter is full
            expect(page.locator(f"{field}-count")).to_have_text(
                f"{MAX_NAME} van {MAX_NAME} tekens")
        guest.assert_clean()
    finally:
        guest.close()
        api.close()


def test_a_remembered_name_over_the_limit_is_refused_with_the_servers_message(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Namen")
    guest = new_user(chromium, sprankel, "Gast")
    too_long = "Anna " + "a" * MAX_NAME
    try:
        guest.goto("/")
        guest.page.evaluate("(name) => localStorage.setItem('sprankel.name', name)", too_long)
        page = guest.goto(session["links"]["join"])
        expect(page.locator("#name")).to_have_value(too_long)  # not cut to fit
        page.click("form button[type=submit]")
        expect(page.locator("form [role=alert]")).to_contain_text(
            f"name is too long: {len(too_long)} characters, at most {MAX_NAME}")
        expect(page).to_have_url(session["links"]["join"])
        listed = api.call("GET", f"/sessions/{session['id']}/participants",
                          session["facilitator_token"])["participants"]
        assert [p["name"] for p in listed if p["name"].startswith("Anna")] == []
    finally:
        guest.close()
        api.close()


def test_the_longest_name_fits_a_phone_in_the_presence_list_the_cards_and_the_console(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Namen", facilitator_name=LONGEST)
    sid = session["id"]
    joined = api.join(session, LONGEST)
    api.call("POST", f"/sessions/{sid}/ideas", joined["token"], {"text": "Koffie om tien"})
    phone = new_user(chromium, sprankel, "W", phone=True)
    lead = new_user(chromium, sprankel, "Fien", phone=True)
    try:
        remember_session(phone, sid, joined["token"], "participant", LONGEST,
                         token_claims(joined["token"])["p"])
        page = phone.goto(f"/s/{sid}")
        name = page.locator(".presence .person-name").first
        expect(name).to_have_text(LONGEST)  # the whole name for a screen reader
        expect(name).to_have_attribute("title", LONGEST)
        author = page.locator("[data-idea] .idea-author")
        expect(author).to_have_attribute("title", LONGEST)
        assert name.evaluate("(e) => e.scrollWidth > e.clientWidth"), "no ellipsis"
        assert_fits_the_screen(page)
        console = lead.goto(session["links"]["facilitator"])
        expect(console.locator("#console-people")).to_contain_text("(2)")
        assert_fits_the_screen(console)
        phone.assert_clean()
        lead.assert_clean()
    finally:
        phone.close()
        lead.close()
        api.close()


def test_the_longest_name_labels_a_pointer_on_the_whiteboard_uncut(
        chromium: Browser, sprankel: ServerProcess) -> None:
    # The whiteboard cut a colleague's name at 60 characters, below the one limit.
    api = Api(sprankel)
    session = api.create_session("Namen")
    sid = session["id"]
    users = [new_user(chromium, sprankel, name) for name in (LONGEST, "Fien")]
    try:
        for user in users:
            joined = api.join(session, user.name)
            remember_session(user, sid, joined["token"], "participant", user.name,
                             token_claims(joined["token"])["p"])
            page = user.goto(f"/s/{sid}")
            page.click("#tab-whiteboard")
            expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        users[1].page.wait_for_function("""(name) => [...document.getElementById('whiteboard')
          .excalidrawAPI.getAppState().collaborators.values()].some((c) => c.username === name)""",
                                        arg=LONGEST)
        for user in users:
            user.assert_clean()
    finally:
        for user in users:
            user.close()
        api.close()
