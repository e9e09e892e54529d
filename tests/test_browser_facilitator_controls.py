"""The console's controls reach the participants: lock, pause and extend, follow me."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, token_claims
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def test_lock_pause_extend_and_follow_me_reach_the_participant(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    api = Api(sprankel)
    session = api.create_session("Regie")
    sid = session["id"]
    api.call("POST", f"/sessions/{sid}/rounds", session["facilitator_token"],
             {"kind": "ideate", "prompt": "Wat kan beter?", "duration_s": 600})
    facilitator = new_user(chromium, sprankel, "Fien")
    anna = new_user(chromium, sprankel, "Anna")
    try:
        joined = api.join(session, "Anna")
        remember_session(anna, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        participant = anna.goto(f"/s/{sid}")
        console = facilitator.goto(session["links"]["facilitator"])
        expect(console.locator("#console-heading")).to_be_visible()

        # Lock: the participant can no longer write, and is told why.
        console.click("#lock-toggle")
        expect(participant.locator(".notice")).to_have_text(re.compile("vergrendeld"))
        expect(participant.locator("#idea-text")).to_have_count(0)
        console.click("#lock-toggle")
        expect(participant.locator("#idea-text")).to_be_visible()

        # The timer: start, pause (the remaining time stays), extend, resume.
        round_item = console.locator("li.round", has_text="Wat kan beter?")
        round_item.locator("[data-action=start]").click()
        expect(participant.locator(".timer-clock")).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))
        round_item.locator("[data-action=pause]").click()
        expect(participant.locator(".timer-clock")).to_contain_text("Gepauzeerd")
        round_item.locator("[data-action=extend]").click()
        expect(participant.locator(".timer-clock")).to_have_text(re.compile(r"^1[01]:\d\d · "))
        round_item.locator("[data-action=resume]").click()
        expect(participant.locator(".timer-clock")).to_have_text(re.compile(r"^1[01]:\d\d$"))

        # Follow me: the participant's view follows the facilitator's, until they step out.
        console.click("#follow-toggle")
        console.click("#tab-whiteboard")
        expect(participant.locator("#tab-whiteboard")).to_have_attribute("aria-selected", "true")
        participant.click("#follow-toggle-me")
        console.click("#tab-board")
        # The facilitator's move arrived (the bar knows it), and was not followed.
        expect(participant.locator(".follow-bar")).to_have_attribute("data-leader-view", "board")
        expect(participant.locator("#tab-whiteboard")).to_have_attribute("aria-selected", "true")
        participant.click("#follow-toggle-me")
        expect(participant.locator("#tab-board")).to_have_attribute("aria-selected", "true")
    finally:
        facilitator.close()
        anna.close()
        api.close()


def test_rating_round_takes_scores_and_shows_averages(chromium: Browser, sprankel: ServerProcess
                                                      ) -> None:
    api = Api(sprankel)
    session = api.create_session("Beoordelen")
    sid, token = session["id"], session["facilitator_token"]
    idea = api.call("POST", f"/sessions/{sid}/ideas", token, {"text": "Koffie-rooster"})
    rating = api.call("POST", f"/sessions/{sid}/rounds", token,
                      {"kind": "rate", "prompt": "Beoordeel", "duration_s": 300})
    api.call("POST", f"/sessions/{sid}/rounds/{rating['id']}/start", token)
    anna = new_user(chromium, sprankel, "Anna")
    try:
        joined = api.join(session, "Anna")
        remember_session(anna, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        page = anna.goto(f"/s/{sid}")
        page.select_option(f"#rate-originality-{idea['id']}", "4")
        page.select_option(f"#rate-feasibility-{idea['id']}", "2")
        expect(page.locator("#sr-status")).to_have_text("Beoordeling opgeslagen")
        mine = api.call("GET", f"/sessions/{sid}/ratings", joined["token"])
        assert mine["ratings"][idea["id"]] == {"originality": 4, "feasibility": 2}
        api.call("POST", f"/sessions/{sid}/rounds/{rating['id']}/end", token)
        expect(page.locator(".idea-ratings")).to_have_text(
            "Originaliteit 4.0 · Haalbaarheid 2.0")
    finally:
        anna.close()
        api.close()


def test_round_end_is_shown_and_announced(chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Eindsignaal")
    sid, token = session["id"], session["facilitator_token"]
    short = api.call("POST", f"/sessions/{sid}/rounds", token,
                     {"kind": "ideate", "prompt": "Snel!", "duration_s": 2})
    anna = new_user(chromium, sprankel, "Anna")
    try:
        joined = api.join(session, "Anna")
        remember_session(anna, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        page = anna.goto(f"/s/{sid}")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        api.call("POST", f"/sessions/{sid}/rounds/{short['id']}/start", token)
        expect(page.locator("#round-prompt")).to_have_text("Snel!")
        # The server's deadline passes: the banner says so, and screen readers hear it.
        expect(page.locator(".timer-clock")).to_have_text("Tijd is om", timeout=15_000)
        expect(page.locator("#sr-alert")).to_have_text("De tijd van deze ronde is om.")
        expect(page.locator("#round-banner")).to_have_attribute("data-state", "ended",
                                                                 timeout=15_000)
        expect(page.locator("#round-banner")).to_have_class(re.compile("finished"))
    finally:
        anna.close()
        api.close()
