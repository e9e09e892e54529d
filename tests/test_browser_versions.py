"""The version history in the console, in Chromium: a participant's board is wiped, the
facilitator finds the version from before in the console (keyboard only), previews it,
confirms the restore, and the participant's open page shows the ideas again without a
reload; the console announces what it did."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, expect
from pycrdt import Map

import browser_support
from browser_support import Api, axe_violations, new_user, remember_session, token_claims
from server_process import ServerProcess
from yclient import YClient

pytestmark = pytest.mark.browser


@pytest.fixture
def sprankel(start_server: browser_support.ServerFactory) -> ServerProcess:
    return start_server("--version-interval-s", "0.5")


def wipe(server: ServerProcess, sid: str, token: str) -> None:
    async def run() -> None:
        async with YClient(f"{server.ws_url}/sessions/{sid}/board?token={token}") as client:
            def clear(doc: object) -> None:
                ideas = client.doc.get("ideas", type=Map)
                for key in list(ideas):
                    del ideas[key]

            await client.change(clear)
            await client.wait_for(lambda: len(client.doc.get("ideas", type=Map)) == 0)

    # Playwright's sync API runs an event loop in this thread: the client gets its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)


def test_the_facilitator_restores_a_wiped_board_from_the_console(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Terugzetten")
    sid = session["id"]
    joined = api.join(session, "Anna")
    for text in ("Koffie om tien uur", "Een digitale borrel"):
        api.call("POST", f"/sessions/{sid}/ideas", joined["token"], {"text": text})
    facilitator = new_user(chromium, sprankel, "Fien")
    anna = new_user(chromium, sprankel, "Anna")
    try:
        remember_session(anna, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        participant = anna.goto(f"/s/{sid}")
        expect(participant.locator("[data-idea]")).to_have_count(2)
        console = facilitator.goto(session["links"]["facilitator"])
        expect(console.locator("#console-heading")).to_be_visible()

        # The interval version of the two ideas (taken within half a second).
        load = console.locator("#versions-load")
        version = console.locator(".versions-list li", has_text="2")
        for _ in range(100):
            load.focus()
            console.keyboard.press("Enter")
            if version.count():
                break
            console.wait_for_timeout(100)
        expect(version.first).to_be_visible()
        vid = version.first.get_attribute("data-version")

        wipe(sprankel, sid, joined["token"])
        expect(participant.locator("[data-idea]")).to_have_count(0)

        # Preview, read-only, by keyboard.
        console.locator(f"[data-preview='{vid}']").focus()
        console.keyboard.press("Enter")
        preview = console.locator(".version-preview")
        expect(preview.locator(".version-ideas li")).to_have_count(2)
        expect(console.locator("#version-preview-heading")).to_be_focused()
        expect(participant.locator("[data-idea]")).to_have_count(0)
        assert axe_violations(console) == []

        # Restore after the confirmation; the open page follows without a reload.
        dialogs: list[str] = []
        console.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
        console.locator("#version-preview-restore").focus()
        console.keyboard.press("Enter")
        expect(participant.locator("[data-idea]")).to_have_count(2)
        expect(participant.locator(".idea-text", has_text="Koffie om tien uur")).to_be_visible()
        assert dialogs and re.search("terugzetten", dialogs[0], re.IGNORECASE)
        expect(console.locator(".versions-status")).to_contain_text("terug")
        expect(console.locator("#sr-status")).to_contain_text("terug")
        expect(console.locator(".versions-list li[data-trigger=restore]")).to_have_count(1)
        anna.assert_clean()
        facilitator.assert_clean()
    finally:
        facilitator.close()
        anna.close()
        api.close()


def test_the_facilitator_deletes_the_session_from_the_console(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Weg ermee")
    sid, token = session["id"], session["facilitator_token"]
    facilitator = new_user(chromium, sprankel, "Fien")
    try:
        console = facilitator.goto(session["links"]["facilitator"])
        expect(console.locator("#console-heading")).to_be_visible()
        dialogs: list[str] = []
        console.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        console.click("#delete-session")
        expect(console.locator("#console-heading")).to_be_visible()  # dismissed: still there
        assert dialogs and "definitief" in dialogs[0]
        assert api.call("GET", f"/sessions/{sid}", token)["id"] == sid
        console.once("dialog", lambda d: d.accept())
        console.click("#delete-session")
        console.wait_for_url(re.compile(r"/$"))
        gone = api.client.get(f"/sessions/{sid}", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 404 and gone.json()["error"] == "not_found"
    finally:
        facilitator.close()
        api.close()
