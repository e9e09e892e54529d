"""What the real whiteboard client puts in awareness fits the server's limit with room.

The limit (--awareness-state-bytes, 16 KiB) was chosen from this measurement: Chromium
draws shapes, selects them all and moves the pointer; a raw spy records every state.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session
from server_process import ServerProcess
from test_browser_anonymous_author import Recorder
from test_browser_whiteboard_sync import draw_rectangle, open_whiteboard

pytestmark = pytest.mark.browser

STATE_LIMIT = 16 * 1024


def test_whiteboard_presence_with_a_large_selection_stays_far_below_the_limit(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Whiteboard")
    drawer = api.join(session, "Zoë Ørsted-Vandenberghe")
    spy_member = api.join(session, "Spion")
    spy = Recorder(f"{sprankel.ws_url}/sessions/{session['id']}/board"
                   f"?token={spy_member['token']}")
    user = new_user(chromium, sprankel, "Zoë")
    try:
        remember_session(user, session["id"], drawer["token"], "participant", "Zoë",
                         drawer["participant_id"])
        page = open_whiteboard(user, session["id"])
        for i in range(12):
            draw_rectangle(page, 300 + 60 * (i % 6), 200 + 130 * (i // 6))
        expect(page.locator("#whiteboard")).to_have_attribute("data-elements", "12")
        page.locator("#whiteboard canvas").last.click(position={"x": 900, "y": 600})
        page.keyboard.press("Control+a")
        box = page.locator("#whiteboard").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + 700, box["y"] + 500, steps=10)

        def largest() -> int:
            sizes = [len(frame) for frame in spy.received() if frame[:1] == b"\x01"]
            return max(sizes, default=0)

        def selected() -> int:
            states = [s for s in spy.awareness().values() if s and "pointer" in s]
            return max((len(s["pointer"].get("selected", [])) for s in states), default=0)

        deadline = time.monotonic() + 15
        while selected() < 12:  # the pointer with the whole selection reached the spy
            assert time.monotonic() < deadline, f"only {selected()} selected ids arrived"
            time.sleep(0.05)
        # The whole message, so a generous upper bound of one state.
        print(f"largest awareness message: {largest()} bytes, {selected()} selected ids")
        assert largest() < STATE_LIMIT // 4
        user.assert_clean()
    finally:
        spy.close()
        user.close()
        api.close()
