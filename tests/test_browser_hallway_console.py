"""The facilitator opens and closes the session's hallway ("gang") from the console, and a
participant's page shows it; starting the session closes it and the end opens it again,
whatever was chosen before (pages follow the hallway's socket: no polling)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, axe_violations, new_user, remember_session
from server_process import ServerProcess

pytestmark = pytest.mark.browser

WAIT_MS = 30_000  # a loaded two-core machine


def test_the_console_opens_and_closes_the_hallway_and_a_participant_sees_it(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Retro")
    sid, token = session["id"], session["facilitator_token"]
    bram = api.join(session, "Bram")
    lead = new_user(chromium, sprankel, "Anna")
    part = new_user(chromium, sprankel, "Bram")
    try:
        console = lead.goto(session["links"]["facilitator"])
        expect(console.locator("#panel-console")).to_be_visible()
        remember_session(part, sid, bram["token"], "participant", "Bram", bram["participant_id"])
        page = part.goto(f"/s/{sid}")
        state = console.locator("#console-hallway-state")
        toggle = console.locator("#console-hallway-toggle")
        hallway = page.locator("#voice [data-table=gang]")
        expect(state).to_have_text("De gang is open.", timeout=WAIT_MS)
        expect(hallway).to_be_visible(timeout=WAIT_MS)

        # Closed from the console: gone from Bram's page; the button and the status follow,
        # the keyboard stays on the button.
        toggle.focus()
        console.keyboard.press("Enter")
        expect(hallway).to_have_count(0, timeout=WAIT_MS)
        expect(state).to_have_text("De gang is dicht.")
        expect(toggle).to_have_text("Gang openen")
        expect(toggle).to_be_focused()
        toggle.click()
        expect(hallway).to_be_visible(timeout=WAIT_MS)
        expect(toggle).to_have_text("Gang sluiten")
        assert axe_violations(console) == []

        # Closed by hand before the start, then the session starts and ends: the end opens
        # it (the choice held for before the start only).
        toggle.click()
        expect(hallway).to_have_count(0, timeout=WAIT_MS)
        rnd = api.call("POST", f"/sessions/{sid}/rounds", token,
                       {"kind": "ideate", "prompt": "Wat ging goed?", "duration_s": 300})
        console.locator(f"li[data-round='{rnd['id']}'] [data-action=start]").click()
        expect(page.locator("#round-prompt")).to_have_text("Wat ging goed?", timeout=WAIT_MS)
        expect(state).to_have_text("De gang is dicht.")
        # Opened during the session (a break) and closed again; the end opens it.
        toggle.click()
        expect(hallway).to_be_visible(timeout=WAIT_MS)
        toggle.click()
        expect(hallway).to_have_count(0, timeout=WAIT_MS)
        api.call("POST", f"/sessions/{sid}/end", token)
        expect(hallway).to_be_visible(timeout=WAIT_MS)
        expect(state).to_have_text("De gang is open.", timeout=WAIT_MS)
        lead.assert_clean()
        part.assert_clean()
    finally:
        lead.close()
        part.close()
        api.close()


def test_a_start_closes_an_open_hallway_on_the_participant_s_page(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Retro")
    sid, token = session["id"], session["facilitator_token"]
    bram = api.join(session, "Bram", role="participant")
    part = new_user(chromium, sprankel, "Bram", locale="en-GB")
    try:
        remember_session(part, sid, bram["token"], "participant", "Bram", bram["participant_id"])
        page = part.goto(f"/s/{sid}")
        hallway = page.locator("#voice [data-table=gang]")
        expect(hallway).to_be_visible(timeout=WAIT_MS)
        rnd = api.call("POST", f"/sessions/{sid}/rounds", token,
                       {"kind": "ideate", "prompt": "What went well?", "duration_s": 300})
        api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", token)
        expect(hallway).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator("#voice")).to_contain_text("No table is open now.")
        api.call("POST", f"/sessions/{sid}/end", token)
        expect(hallway).to_be_visible(timeout=WAIT_MS)
        part.assert_clean()
    finally:
        part.close()
        api.close()
