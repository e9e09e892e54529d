"""The session page renders the public state from the control document it receives, and
asks the API only for the caller's own share: no polling timer (issue 12, item 9)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Route, expect

from browser_support import Api, new_user, remember_session
from server_process import ServerProcess

pytestmark = pytest.mark.browser

def test_round_lock_and_end_reach_the_page_while_the_session_api_is_down(
    chromium: Browser, sprankel: ServerProcess,
) -> None:
    api = Api(sprankel)
    session = api.create_session("Alleen het controledocument")
    sid, token = session["id"], session["facilitator_token"]
    anna = api.join(session, "Anna")
    user = new_user(chromium, sprankel, "Anna")
    try:
        remember_session(user, sid, anna["token"], "participant", "Anna", anna["participant_id"])
        page = user.goto(f"/s/{sid}")
        expect(page.locator(".session-title")).to_have_text("Alleen het controledocument")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")

        # From now on GET /api/sessions/SID fails: what the page shows can only come from
        # the control document.
        asked: list[str] = []

        def refuse(route: Route) -> None:
            if route.request.method == "GET":
                asked.append(route.request.url)
                route.fulfill(status=503, content_type="application/json",
                              body='{"error": "unavailable", "message": "down for the test"}')
            else:
                route.continue_()

        page.route(re.compile(rf"/api/sessions/{sid}$"), refuse)
        rnd = api.call("POST", f"/sessions/{sid}/rounds", token,
                       {"kind": "ideate", "prompt": "Wat nu?", "duration_s": 300})
        api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", token)
        expect(page.locator("#round-prompt")).to_have_text("Wat nu?")
        expect(page.locator(".timer-clock")).to_have_text(re.compile(r"^[0-5]:\d\d$"))
        api.call("POST", f"/sessions/{sid}/lock", token)
        expect(page.locator(".notice")).to_have_text(re.compile("vergrendeld"))
        expect(page.locator("#idea-text")).to_have_count(0)  # closed; the notice says why
        expect(page.locator(".composer")).to_be_hidden()
        api.call("POST", f"/sessions/{sid}/end", token)
        expect(page.locator(".notice")).to_have_text(re.compile("afgelopen"))
        # Each change of the session was a reason to ask for Anna's own share.
        assert asked
        user.assert_clean()
    finally:
        user.close()
        api.close()


def test_the_moderation_list_shows_a_new_hidden_idea_without_a_reload(
    chromium: Browser, sprankel: ServerProcess,
) -> None:
    api = Api(sprankel)
    session = api.create_session("Verborgen ronde")
    sid, token = session["id"], session["facilitator_token"]
    bram = api.join(session, "Bram")
    rnd = api.call("POST", f"/sessions/{sid}/rounds", token,
                   {"kind": "ideate", "prompt": "Stil schrijven", "duration_s": 300,
                    "hidden": True})
    api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", token)
    lead = new_user(chromium, sprankel, "Fenna")
    writer = new_user(chromium, sprankel, "Bram")
    try:
        console = lead.goto(session["links"]["facilitator"])
        expect(console.locator("#panel-console")).to_be_visible()
        expect(console.locator("#console-moderation + p")).to_be_visible()  # the list is empty
        remember_session(writer, sid, bram["token"], "participant", "Bram", bram["participant_id"])
        page = writer.goto(f"/s/{sid}")
        expect(console.locator(".presence .person")).to_have_count(2)
        for text in ("Eerste stille gedachte", "Tweede stille gedachte"):
            page.fill("#idea-text", text)
            page.keyboard.press("Enter")
            # The console stays open, nobody clicks: the list follows Bram's drafts.
            expect(console.locator(".moderation li span[id^=mod-]", has_text=text)
                   ).to_be_visible()
        expect(console.locator(".moderation li")).to_have_count(2)
        lead.assert_clean()
        writer.assert_clean()
    finally:
        lead.close()
        writer.close()
        api.close()
