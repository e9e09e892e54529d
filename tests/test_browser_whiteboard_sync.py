"""The whiteboard (Excalidraw on the board document) syncs shapes between browsers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import (
    ROOT,
    Api,
    User,
    new_user,
    remember_session,
    screenshot,
    token_claims,
)
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def open_whiteboard(user: User, sid: str) -> Page:
    page = user.goto(f"/s/{sid}")
    page.click("#tab-whiteboard")
    expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
    return page


def draw_rectangle(page: Page, x: int, y: int) -> None:
    page.click("[data-testid=toolbar-rectangle]", force=True)
    box = page.locator("#whiteboard").bounding_box()
    assert box is not None
    # Right of the style panel that covers the canvas's left edge while a tool is active.
    left, top = box["x"] + x, box["y"] + y
    page.mouse.move(left, top)
    page.mouse.down()
    page.mouse.move(left + 160, top + 100, steps=8)
    page.mouse.up()


def test_drawn_shape_reaches_the_other_browser_and_a_late_joiner(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    api = Api(sprankel)
    session = api.create_session("Whiteboard")
    users = [new_user(chromium, sprankel, name) for name in ("Anna", "Bram", "Carla")]
    anna, bram, carla = users
    # Excalidraw prefers the File System Access picker, which Playwright cannot drive.
    anna.context.add_init_script("delete window.showOpenFilePicker;")
    try:
        for user in users:
            joined = api.join(session, user.name)
            remember_session(user, session["id"], joined["token"], "participant", user.name,
                             token_claims(joined["token"])["p"])
        sid = session["id"]
        anna_page, bram_page = open_whiteboard(anna, sid), open_whiteboard(bram, sid)
        draw_rectangle(anna_page, 420, 260)
        expect(anna_page.locator("#whiteboard")).to_have_attribute("data-elements", "1")
        expect(bram_page.locator("#whiteboard")).to_have_attribute("data-elements", "1")
        screenshot(bram_page, "whiteboard")

        # A late joiner loads the board without wiping it for everyone.
        carla_page = open_whiteboard(carla, sid)
        expect(carla_page.locator("#whiteboard")).to_have_attribute("data-elements", "1")
        draw_rectangle(carla_page, 420, 420)
        for page in (anna_page, bram_page, carla_page):
            expect(page.locator("#whiteboard")).to_have_attribute("data-elements", "2")

        # Undo is per user: Bram's Ctrl+Z does not take away the others' shapes.
        bram_page.locator("#whiteboard canvas").last.click(position={"x": 800, "y": 560})
        bram_page.keyboard.press("Control+z")
        expect(anna_page.locator("#whiteboard")).to_have_attribute("data-elements", "2")
        expect(bram_page.locator("#whiteboard")).to_have_attribute("data-elements", "2")

        # An image travels with its pixels (a data: URL in the document, never a link).
        with anna_page.expect_file_chooser() as chooser:
            anna_page.click("[data-testid=toolbar-image]", force=True)
        chooser.value.set_files(str(ROOT / "docs" / "screenshot.png"))
        anna_page.locator("#whiteboard canvas").last.click(position={"x": 700, "y": 500})
        expect(bram_page.locator("#whiteboard")).to_have_attribute("data-elements", "3")
        expect(bram_page.locator("#whiteboard")).to_have_attribute("data-files", "1")

        for user in users:
            user.assert_clean()
    finally:
        for user in users:
            user.close()
        api.close()
