"""Two colleagues drop into a Koffiehoek, chat, nudge for coffee and start a brainstorm."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from browser_support import axe_violations, new_user, screenshot
from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def test_two_colleagues_chat_and_start_a_brainstorm_from_a_message(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    anna = new_user(chromium, sprankel, "Anna")
    bram = new_user(chromium, sprankel, "Bram", locale="en-GB")
    try:
        # Anna opens a space for her team from the home page.
        page = anna.goto("/")
        page.click("#open-space")
        page.fill("#space-name", "Team Loket")
        page.fill("#your-name", "Anna")
        page.click("form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Team Loket")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        space_url = page.url

        # Bram drops in through the shared link with his name.
        other = bram.goto(space_url)
        expect(other.locator("h1")).to_have_text("Drop in at the Koffiehoek")
        other.fill("#name", "Bram")
        other.click("form button[type=submit]")
        expect(other.locator("#present")).to_contain_text("Anna")
        expect(page.locator("#present")).to_contain_text("Bram")

        # Chat and the coffee nudge reach the other side; text stays text.
        page.fill("#chat-text", "Zullen we de <b>vrijdagborrel</b> online doen?")
        page.keyboard.press("Enter")
        message = other.locator(".chat-message", has_text="vrijdagborrel")
        expect(message.locator(".chat-text")).to_have_text(
            "Zullen we de <b>vrijdagborrel</b> online doen?")
        other.click("#coffee")
        expect(page.locator(".chat-coffee")).to_contain_text("Bram heeft even tijd voor koffie")
        expect(page.locator(".icebreaker-question")).not_to_be_empty()
        screenshot(page, "koffiehoek")
        assert axe_violations(page) == []

        # A message becomes a brainstorm; Anna lands in its console as the facilitator.
        # It opens in another tab: the space stays where it was.
        page.locator(".chat-message", has_text="vrijdagborrel").locator("button").click()
        opened = page.locator(".chat-message", has_text="vrijdagborrel").locator(
            ".started-console")
        expect(opened).to_be_focused()
        with page.context.expect_page() as new_tab:
            opened.click()
        console_tab = new_tab.value
        expect(console_tab).to_have_url(re.compile(r"/s/[^/]+/console$"))
        expect(console_tab.locator(".session-title")).to_have_text(
            "Zullen we de <b>vrijdagborrel</b> online doen?")
        assert "/k/" in page.url
        console_tab.close()
        other.reload()
        expect(other.locator(".sessions")).to_contain_text("vrijdagborrel")

        # Presence: Anna back in the space sees Bram; when he leaves he drops out of
        # "here now" but stays in "around today".
        page.goto(space_url)
        expect(page.locator("#present")).to_contain_text("Bram")
        other.close()
        expect(page.locator("#present")).not_to_contain_text("Bram")
        expect(page.locator("#present")).to_contain_text("Anna")
        expect(page.locator(".today")).to_contain_text("Bram")
        anna.assert_clean()
        bram.assert_clean()
    finally:
        anna.close()
        bram.close()
