"""The end of a round is celebrated for a moment, for everyone; with reduced motion
nothing moves; it never takes a click or reaches a screen reader."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, token_claims
from server_process import ServerProcess

pytestmark = pytest.mark.browser


def test_a_rounds_end_is_celebrated_and_still_with_reduced_motion(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Feest")
    sid, fac = session["id"], session["facilitator_token"]
    user = new_user(chromium, sprankel, "Anna")
    try:
        joined = api.join(session, "Anna")
        remember_session(user, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        page = user.goto(f"/s/{sid}")
        for motion, animation in (("no-preference", "float-up"), ("reduce", "none")):
            page.emulate_media(reduced_motion=motion)  # type: ignore[arg-type]
            rnd = api.call("POST", f"/sessions/{sid}/rounds", fac,
                           {"kind": "ideate", "prompt": "Wat mis je?", "duration_s": 600})
            api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", fac)
            expect(page.locator("#round-prompt")).to_have_text("Wat mis je?")
            api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/end", fac)
            party = page.locator(".celebration")
            expect(party).to_have_attribute("aria-hidden", "true")
            expect(party).to_contain_text("Ronde klaar")
            shape = party.locator(".celebration-shape").first
            assert shape.evaluate("(e) => getComputedStyle(e).animationName") == animation
            assert party.evaluate("(e) => getComputedStyle(e).pointerEvents") == "none"
            expect(party).to_have_count(0)  # gone again by itself
        user.assert_clean()
    finally:
        user.close()
        api.close()
