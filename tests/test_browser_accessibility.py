"""axe-core finds no serious or critical violation on any page, in light and dark."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import (
    Api,
    axe_violations,
    new_user,
    remember_session,
    screenshot,
    token_claims,
)
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe(chromium: Browser, sprankel: ServerProcess, scheme: str) -> None:
    api = Api(sprankel)
    session = api.create_session("Toegankelijk", goal="Iedereen doet mee")
    sid, facilitator_token = session["id"], session["facilitator_token"]
    api.call("POST", f"/sessions/{sid}/ideas", facilitator_token, {"text": "Ondertiteling aan"})
    api.call("POST", f"/sessions/{sid}/rounds", facilitator_token,
             {"kind": "ideate", "prompt": "Wat helpt?", "duration_s": 300})
    facilitator = new_user(chromium, sprankel, "Fien", color_scheme=scheme)
    anna = new_user(chromium, sprankel, "Anna", color_scheme=scheme)
    found: dict[str, list[str]] = {}
    try:
        page = facilitator.goto("/")
        expect(page.locator("#title")).to_be_visible()
        found["home"] = axe_violations(page)
        screenshot(page, f"home-{scheme}")

        page = anna.goto(session["links"]["join"])
        expect(page.locator("#name")).to_be_visible()
        found["join"] = axe_violations(page)

        joined = api.join(session, "Anna")
        remember_session(anna, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        page = anna.goto(f"/s/{sid}")
        expect(page.locator("[data-idea]")).to_have_count(1)
        found["session"] = axe_violations(page)
        screenshot(page, f"session-{scheme}")

        page.click("#open-writing")
        expect(page.locator("dialog.writing")).to_be_visible()
        found["writing view"] = axe_violations(page)
        screenshot(page, f"writing-{scheme}")
        page.keyboard.press("Escape")

        page.click("#tab-whiteboard")
        expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        found["whiteboard"] = axe_violations(page)
        screenshot(page, f"whiteboard-{scheme}")

        page = facilitator.goto(session["links"]["facilitator"])
        expect(page.locator("#console-heading")).to_be_visible()
        expect(page.locator("li.round")).to_have_count(1)
        found["console"] = axe_violations(page)
        screenshot(page, f"console-{scheme}")
        facilitator.assert_clean()
        anna.assert_clean()
    finally:
        facilitator.close()
        anna.close()
        api.close()
    problems = {name: v for name, v in found.items() if v}
    assert problems == {}, problems
