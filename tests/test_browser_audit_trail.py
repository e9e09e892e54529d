"""The facilitator reads the audit trail in the console, with the keyboard only: a table
of who did what and when, in Dutch or English, with a page at a time; the archive zip
downloads beside the other exports."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, axe_violations, new_user
from server_process import ServerProcess

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("locale", "load", "joined", "header"),
                         [("nl-NL", "Audit trail tonen", "doet mee", "Handeling"),
                          ("en-GB", "Show the audit trail", "joined", "Action")])
def test_the_facilitator_reads_the_trail_with_the_keyboard(
        chromium: Browser, sprankel: ServerProcess, locale: str, load: str, joined: str,
        header: str) -> None:
    api = Api(sprankel)
    language = locale[:2]
    session = api.create_session("Verantwoording", language=language)
    sid = session["id"]
    for k in range(105):  # more than one page of the panel (100)
        api.join(session, f"P{k}")
    facilitator = new_user(chromium, sprankel, "Fien", locale=locale)
    try:
        console = facilitator.goto(session["links"]["facilitator"])
        # Synced first: the console's render on the first sync moves the panel, and the
        # button (no data-focus-key) loses its focus; under load the Enter then went nowhere.
        expect(console.locator("#connection")).to_have_attribute("data-state", "online")
        button = console.get_by_role("button", name=load)
        button.focus()
        console.keyboard.press("Enter")
        table = console.locator(".audit-table")
        expect(table).to_be_visible()
        expect(table.locator("th")).to_have_count(4)
        expect(table.locator("thead")).to_contain_text(header)
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(100)
        expect(rows.first).to_have_attribute("data-action", "session.created")
        expect(rows.nth(1)).to_contain_text(joined)
        more = console.locator("#audit-more")
        more.focus()
        console.keyboard.press("Enter")
        expect(rows).to_have_count(106)
        expect(console.locator("#audit-more")).to_have_count(0)
        # The table's region takes focus, so it scrolls with the keyboard.
        region = console.locator(".audit-scroll")
        region.focus()
        expect(region).to_be_focused()
        assert axe_violations(console) == []

        # The archive downloads like the other exports, and is an entry of the trail.
        with console.expect_download() as info:
            console.locator("[data-export=zip]").click()
        path = info.value.path()
        with zipfile.ZipFile(path) as z:
            assert "session.mdto.xml" in z.namelist()
        button.focus()
        console.keyboard.press("Enter")
        expect(rows.first).to_have_attribute("data-action", "session.created")
        entries = api.call("GET", f"/sessions/{sid}/audit?after=106",
                           session["facilitator_token"])["entries"]
        assert [e["action"] for e in entries] == ["export.downloaded"]
    finally:
        facilitator.close()
        api.close()
