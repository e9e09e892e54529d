"""Availability and coffee moments in the Koffiehoek page: a status beside the name, a
moment's invitation on the page when it comes (the server's own clock), the .ics button."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, axe_violations, new_user
from server_process import ServerProcess

pytestmark = pytest.mark.browser

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def test_status_beside_the_name_and_a_moment_invites_the_available(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    created = api.call("POST", "/spaces", body={"name": "Team Loket", "your_name": "Anna",
                                                "language": "nl", "time_zone": "UTC"})
    bram_member = api.call("POST", f"/spaces/{created['id']}/members", body={"name": "Bram"})
    api.close()
    anna = new_user(chromium, sprankel, "Anna")
    bram = new_user(chromium, sprankel, "Bram", locale="en-GB")
    try:
        pages = []
        for user, member in ((anna, {"token": created["token"],
                                     "member_id": created["member_id"]}),
                             (bram, bram_member)):
            user.goto("/")
            user.page.evaluate("([k, v]) => localStorage.setItem(k, JSON.stringify(v))",
                               [f"sprankel.space.{created['id']}", member])
            pages.append(user.goto(f"/k/{created['id']}"))
        a, b = pages
        expect(a.locator("#present")).to_contain_text("Bram")

        # Bram is in focus today, with a note: Anna sees it beside his name.
        b.select_option("#my-status", "focus")
        b.fill("#my-status-note", "rapport af")
        b.locator(".status-form button[type=submit]").click()
        a.reload()
        expect(a.locator("#present .person", has_text="Bram")).to_contain_text("Focus")
        expect(a.locator("#present .person", has_text="Bram")).to_contain_text("rapport af")

        # Anna sets a moment that starts this minute (UTC): the server invites her at once,
        # not Bram (in focus). Its series is offered as a calendar file.
        now = datetime.datetime.now(datetime.UTC)
        a.locator(".moments-card summary").click()
        a.check(f"#moment-day-{DAYS[now.weekday()]}")
        a.fill("#moment-time", now.strftime("%H:%M"))
        a.locator(".moments-card form button[type=submit]").click()
        expect(a.locator("#moments-ics")).to_be_visible()
        expect(a.locator(".moment-invite")).to_contain_text("Koffiemoment!", timeout=60_000)
        expect(b.locator(".chat-message.chat-moment")).to_have_count(1)
        expect(b.locator(".moment-invite")).to_be_hidden()
        assert axe_violations(a) == []
        assert axe_violations(b) == []
        anna.assert_clean()
        bram.assert_clean()
    finally:
        anna.close()
        bram.close()
