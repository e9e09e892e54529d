"""Energy, as a facilitator and two colleagues (one on a phone, 375x740) live it: a
reaction floats up on every screen (still, with reduced motion; one polite summary for
screen readers), "bring everyone here" brings their views to the facilitator's place on
the idea board and on the whiteboard once, and the spotlight puts one idea in front of
everyone until the facilitator takes it out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from browser_support import (
    Api,
    User,
    axe_violations,
    new_user,
    remember_session,
    screenshot,
    token_claims,
)
from server_process import ServerProcess
from test_browser_phone import assert_fits_the_screen

pytestmark = pytest.mark.browser

IDEAS = [f"Idee nummer {n}" for n in range(1, 37)]  # more than one screen of cards


def card(page: Page, idea_id: str) -> Locator:
    return page.locator(f"#panel-board .clusters [data-idea='{idea_id}']")


def join_as(user: User, api: Api, session: dict[str, object], sid: str) -> Page:
    joined = api.join(session, user.name)
    remember_session(user, sid, joined["token"], "participant", user.name,
                     token_claims(joined["token"])["p"])
    page = user.goto(f"/s/{sid}")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def test_reactions_summon_and_spotlight_reach_everyone(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Energie")
    sid, token = session["id"], session["facilitator_token"]
    rnd = api.call("POST", f"/sessions/{sid}/rounds", token,
                   {"kind": "ideate", "prompt": "Wat geeft energie?", "duration_s": 600})
    api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", token)
    ids = {text: api.call("POST", f"/sessions/{sid}/ideas", token, {"text": text})["id"]
           for text in IDEAS}
    fien = new_user(chromium, sprankel, "Fien")
    anna = new_user(chromium, sprankel, "Anna")
    chris = new_user(chromium, sprankel, "Chris", phone=True)
    users = [fien, anna, chris]
    try:
        remember_session(fien, sid, token, "facilitator", "Fien")
        console = fien.goto(f"/s/{sid}")
        expect(console.locator("#connection")).to_have_attribute("data-state", "online")
        desk, phone = join_as(anna, api, session, sid), join_as(chris, api, session, sid)
        anna.page.emulate_media(reduced_motion="reduce")
        for page in (console, desk, phone):
            expect(card(page, ids[IDEAS[-1]])).to_have_count(1)
        assert_fits_the_screen(phone)

        # A reaction from the phone floats up everywhere; with reduced motion it stands still.
        phone.locator("#reactions [data-emoji='🎉']").tap()
        for page in (console, desk, phone):
            expect(page.locator(".reactions-layer .reaction-float", has_text="🎉")).to_have_count(1)
        assert console.locator(".reaction-float").first.evaluate(
            "(e) => getComputedStyle(e).animationName") == "float-up"
        assert desk.locator(".reaction-float").first.evaluate(
            "(e) => getComputedStyle(e).animationName") == "none"
        assert desk.locator(".reactions-layer").get_attribute("aria-hidden") == "true"
        # Screen readers hear one summary of the wave, once it has passed.
        expect(desk.locator("#sr-status")).to_have_text("1 reactie: 🎉")
        expect(desk.locator(".reaction-float")).to_have_count(0)
        assert b"Chris" not in desk.evaluate("() => document.querySelector('.reactions-layer')"
                                             ".outerHTML").encode()

        # Bring everyone here: the facilitator's place on the idea board (the first idea
        # in their view) ...
        console.evaluate("(id) => document.querySelector(`[data-idea=\"${id}\"]`)"
                         ".scrollIntoView({block: 'start'})", ids[IDEAS[-2]])
        first = console.evaluate(
            "() => [...document.querySelectorAll('#panel-board [data-idea]')].find((e) =>"
            " e.getBoundingClientRect().bottom > 0).dataset.idea")
        assert first != ids[IDEAS[0]]
        expect(card(phone, first)).not_to_be_in_viewport()
        console.click("#summon")
        for page in (phone, desk):
            expect(page.locator("#sr-status")).to_have_text(re.compile("naar deze plek"))
            expect(card(page, first)).to_be_in_viewport()
        # ... once: the phone scrolls away freely afterwards.
        phone.evaluate("() => window.scrollTo(0, 0)")
        expect(card(phone, first)).not_to_be_in_viewport()

        # ... and on the whiteboard: the tab, and the facilitator's zoom.
        console.click("#tab-whiteboard")
        expect(console.locator("#whiteboard[data-ready=true]")).to_have_count(1)
        zoom = console.locator("#whiteboard .reset-zoom-button")
        console.locator("#whiteboard .zoom-in-button").click()
        console.locator("#whiteboard .zoom-in-button").click()
        expect(zoom).not_to_have_text("100%")
        console.click("#summon")
        for page in (phone, desk):
            expect(page.locator("#tab-whiteboard")).to_have_attribute("aria-selected", "true")
            expect(page.locator("#whiteboard[data-ready=true]")).to_have_count(1)
        screenshot(phone, "energy-phone-whiteboard")
        # (Excalidraw shows no zoom buttons on a phone; the desk shows the zoom it got.)
        expect(desk.locator("#whiteboard .reset-zoom-button")).to_have_text(zoom.inner_text())
        phone.click("#tab-board")  # free to go elsewhere: nothing pulls them back
        desk.click("#tab-board")
        console.click("#tab-board")

        # The spotlight: one idea, marked for everyone, in view on the phone, announced.
        lit = IDEAS[4]
        card(console, ids[lit]).locator(".idea-more-toggle").click()  # among the card's actions
        card(console, ids[lit]).locator(".spotlight-toggle").click()
        for page in (console, desk, phone):
            spot = page.locator("#panel-board .idea.spotlit")
            expect(spot).to_have_count(1)
            expect(spot).to_contain_text(lit)
            expect(spot.locator(".spotlight-tag")).to_have_text("In de spotlight")
            expect(page.locator(".clusters.spotlight-on")).to_have_count(1)
        expect(phone.locator("#panel-board .idea.spotlit")).to_be_in_viewport()
        expect(desk.locator("#sr-status")).to_have_text(f"In de spotlight: {lit}")
        expect(card(console, ids[lit]).locator(".spotlight-toggle")
               ).to_have_attribute("aria-pressed", "true")
        assert phone.locator(".spotlight-toggle").count() == 0  # facilitators only
        screenshot(phone, "energy-phone-spotlight")
        screenshot(console, "energy-spotlight")
        assert_fits_the_screen(phone)
        for page in (console, phone):
            assert axe_violations(page) == []
        card(console, ids[lit]).locator(".spotlight-toggle").click()  # the actions are still open
        for page in (console, desk, phone):
            expect(page.locator("#panel-board .idea.spotlit")).to_have_count(0)
        expect(phone.locator("#sr-status")).to_have_text("De spotlight is uit.")
        for user in users:
            user.assert_clean()
    finally:
        for user in users:
            user.close()
        api.close()
