"""Ideas on the whiteboard: a sticky note is the idea, edited in either place; frames cluster."""
# ruff: noqa: E501  (the Excalidraw snippets are JavaScript, kept readable on one line)

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pycrdt import Array, Doc, Map

from browser_support import Api, User, new_user, remember_session, token_claims
from server_process import ServerProcess
from yclient import YClient

pytestmark = pytest.mark.browser

# Reads the scene through Excalidraw's API on the whiteboard's host (whiteboard.js).
STICKY_TEXT = """(ideaId) => {
  const api = document.getElementById('whiteboard').excalidrawAPI;
  const els = api.getSceneElements();
  const box = els.find((e) => e.type !== 'text' && e.customData?.ideaId === ideaId);
  const text = box && els.find((e) => e.containerId === box.id);
  return text ? text.originalText : null;
}"""
FIND = "(e) => e.id === id || (e.type !== 'text' && e.customData?.ideaId === id)"
SCREEN_POINT = f"""(id) => {{
  const host = document.getElementById('whiteboard');
  const api = host.excalidrawAPI;
  const s = api.getAppState();
  const box = api.getSceneElements().find({FIND});
  const r = host.getBoundingClientRect();
  return {{x: r.left + (box.x + box.width / 2 + s.scrollX) * s.zoom.value,
          y: r.top + (box.y + box.height / 2 + s.scrollY) * s.zoom.value}};
}}"""
# Elements inside the visible canvas (right of its style panel), and that inside the window.
IN_VIEW = f"""(ids) => {{
  const host = document.getElementById('whiteboard');
  const r = host.getBoundingClientRect();
  const inside = (p) => p.x > r.left + 240 && p.x < r.right - 20 && p.y > r.top + 80 && p.y < r.bottom - 80
    && p.y < window.innerHeight;
  return ids.every((id) => inside(({SCREEN_POINT})(id)));
}}"""

# A sticky in a frame: its frameId, and its box and text inside the frame's bounds.
IN_FRAME = """([ideaId, frameId]) => {
  const els = document.getElementById('whiteboard').excalidrawAPI.getSceneElements();
  const frame = els.find((e) => e.id === frameId);
  const box = els.find((e) => e.type !== 'text' && e.customData?.ideaId === ideaId);
  const text = box && els.find((e) => e.containerId === box.id);
  const within = (e) => e.x >= frame.x && e.y >= frame.y && e.x + e.width <= frame.x + frame.width
    && e.y + e.height <= frame.y + frame.height;
  return Boolean(frame && text) && box.frameId === frameId && text.frameId === frameId && within(box) && within(text);
}"""


def sign_in(api: Api, user: User, session: dict[str, Any], role: str = "participant") -> str:
    if role == "facilitator":
        token = session["facilitator_token"]
    else:
        token = api.join(session, user.name, role)["token"]
    remember_session(user, session["id"], token, role, user.name, token_claims(token)["p"])
    return token


def type_in_editor(page: Page, text: str) -> None:
    """Types into Excalidraw's open text editor (a real keyboard), then closes it."""
    editor = page.locator(".excalidraw-textEditorContainer textarea")
    editor.press("Control+a")  # a locator's press focuses the field first
    editor.press_sequentially(text)
    expect(editor).to_have_value(text)
    editor.press("Escape")


def open_whiteboard(user: User, sid: str) -> Page:
    page = user.goto(f"/s/{sid}")
    page.click("#tab-whiteboard")
    expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
    return page


def sticky_text(page: Page, idea: str) -> Any:
    return page.evaluate(STICKY_TEXT, idea)


def wait_sticky_text(page: Page, idea: str, text: str) -> None:
    page.wait_for_function(f"(id) => ({STICKY_TEXT})(id) === {text!r}", arg=idea)


def in_thread(run: Callable[[], Coroutine[Any, Any, None]]) -> None:
    # Playwright's sync API holds this thread's event loop: the Yjs client gets its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def write_bogus_stickies(ws_url: str, sid: str, token: str) -> None:
    """A hostile client's stickies: a copy of a real one naming no idea (with words of its
    own), and one whose idea id is not even a string."""
    async def run() -> None:
        async with YClient(f"{ws_url}/sessions/{sid}/board?token={token}") as client:
            items = client.doc.get("elements", type=Array).to_py() or []
            box = next(i["el"] for i in items
                       if i["el"]["type"] == "rectangle" and not i["el"].get("isDeleted"))
            text = next(i["el"] for i in items if i["el"].get("containerId") == box["id"])

            def edit(doc: Doc[Any]) -> None:
                elements = doc.get("elements", type=Array)
                fake = {"ideaId": "no-such-idea"}
                elements.append(Map({"pos": "a9", "el": {
                    **box, "id": "bogus", "x": box["x"] + 900, "customData": fake, "frameId": None,
                    "boundElements": [{"type": "text", "id": "bogus-t"}]}}))
                elements.append(Map({"pos": "a9V", "el": {
                    **text, "id": "bogus-t", "x": text["x"] + 900, "containerId": "bogus",
                    "customData": fake, "frameId": None, "text": "Vijandige tekst",
                    "originalText": "Vijandige tekst"}}))
                elements.append(Map({"pos": "a9W", "el": {
                    **box, "id": "bogus2", "x": box["x"] + 1200, "frameId": None, "index": "b0",
                    "customData": {"ideaId": {"not": "a string"}}, "boundElements": None}}))
            await client.change(edit)
        async with YClient(f"{ws_url}/sessions/{sid}/board?token={token}") as reader:
            await reader.wait_for(lambda: any(
                i["el"]["id"] == "bogus2" for i in reader.doc.get("elements", type=Array).to_py() or []))
    in_thread(run)


def test_a_sticky_is_its_idea_edited_on_canvas_or_board_and_frames_cluster(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Plakbriefjes")
    sid, fac_token = session["id"], session["facilitator_token"]
    fien, bram = new_user(chromium, sprankel, "Fien"), new_user(chromium, sprankel, "Bram")
    try:
        sign_in(api, fien, session, "facilitator")
        bram_token = sign_in(api, bram, session)
        mine = api.call("POST", f"/sessions/{sid}/ideas", bram_token, {"text": "Koffie om tien"})["id"]
        other = api.call("POST", f"/sessions/{sid}/ideas", fac_token, {"text": "Wandelen"})["id"]
        fien_page, bram_page = open_whiteboard(fien, sid), open_whiteboard(bram, sid)

        # The facilitator places every idea; both canvases show them as sticky notes.
        place_all = fien_page.locator("#canvas-ideas button", has_text="Alle 2")
        place_all.click()
        expect(fien_page.locator("#canvas-ideas")).to_contain_text("Alle ideeën staan op het whiteboard")
        expect(bram_page.locator("#whiteboard")).to_have_attribute("data-elements", "4")
        wait_sticky_text(bram_page, mine, "Koffie om tien")

        # Bram edits his sticky on the canvas (a real double click and typing): the idea
        # board of both shows the new text.
        point = bram_page.evaluate(SCREEN_POINT, mine)
        bram_page.mouse.dblclick(point["x"], point["y"])
        editor = bram_page.locator(".excalidraw-textEditorContainer textarea")
        expect(editor).to_be_visible()
        type_in_editor(bram_page, "Koffie om half elf")
        fien_page.click("#tab-board")
        expect(fien_page.locator(f"[data-idea='{mine}'] .idea-text")).to_have_text("Koffie om half elf")
        fien_page.click("#tab-whiteboard")
        wait_sticky_text(fien_page, mine, "Koffie om half elf")

        # ... and the other way: the facilitator edits an idea on the board.
        fien_page.click("#tab-board")
        card = fien_page.locator(f"[data-idea='{other}']")
        card.get_by_role("button", name="Meer acties").click()  # the card's actions
        card.get_by_role("button", name="Bewerken").click()
        fien_page.locator(f"#edit-{other}").fill("Wandelen in de pauze")
        fien_page.locator(f"[data-idea='{other}'] button[type=submit]").click()
        wait_sticky_text(bram_page, other, "Wandelen in de pauze")

        # Bram may not change a colleague's idea: his canvas edit is undone, the idea stays.
        point = bram_page.evaluate(SCREEN_POINT, other)
        bram_page.mouse.dblclick(point["x"], point["y"])
        expect(editor).to_be_visible()
        type_in_editor(bram_page, "Overschreven")
        wait_sticky_text(bram_page, other, "Wandelen in de pauze")
        expect(fien_page.locator(f"[data-idea='{other}'] .idea-text")).to_have_text("Wandelen in de pauze")

        # A frame drawn on the canvas, and a sticky dragged into it with the pointer: the
        # idea is in a group of that name on the board.
        frame = bram_page.evaluate("""() => {
          const api = document.getElementById('whiteboard').excalidrawAPI;
          const box = api.getSceneElements().filter((e) => e.customData?.ideaId);
          const bottom = Math.max(...box.map((e) => e.y + e.height));
          return {x: Math.min(...box.map((e) => e.x)), y: bottom + 100};
        }""")
        bram_page.evaluate("""(at) => {
          const api = document.getElementById('whiteboard').excalidrawAPI;
          api.updateScene({elements: [...api.getSceneElementsIncludingDeleted(), {
            id: 'frame1', type: 'frame', x: at.x, y: at.y, width: 500, height: 300,
            angle: 0, strokeColor: '#bbb', backgroundColor: 'transparent', fillStyle: 'solid',
            strokeWidth: 2, strokeStyle: 'solid', roughness: 0, opacity: 100, groupIds: [],
            frameId: null, roundness: null, seed: 1, version: 1, versionNonce: 1,
            isDeleted: false, boundElements: null, updated: 1, link: null, locked: false,
            name: 'Ritme', index: null}], captureUpdate: 'IMMEDIATELY'});
          api.scrollToContent(undefined, {fitToContent: true, animate: false});
        }""", frame)
        # Both in view (scrollToContent lands in a later frame): then a real pointer drag.
        bram_page.wait_for_function(IN_VIEW, arg=[mine, "frame1"])
        start = bram_page.evaluate(SCREEN_POINT, mine)
        target = bram_page.evaluate(SCREEN_POINT, "frame1")
        bram_page.mouse.move(start["x"], start["y"])
        bram_page.mouse.down()
        bram_page.mouse.move(target["x"], target["y"], steps=12)
        bram_page.mouse.up()
        cluster = fien_page.locator(".cluster", has=fien_page.locator(f"[data-idea='{mine}']"))
        expect(cluster.locator("input.cluster-title")).to_have_value("Ritme")

        # Renaming the group on the board renames the frame on every canvas.
        cluster.locator("input.cluster-title").fill("Dagritme")
        cluster.locator("input.cluster-title").press("Enter")
        bram_page.wait_for_function("""() => document.getElementById('whiteboard').excalidrawAPI
          .getSceneElements().find((e) => e.id === 'frame1')?.name === 'Dagritme'""")
        # ... and renaming the frame on the canvas renames the group.
        bram_page.evaluate("""() => {
          const api = document.getElementById('whiteboard').excalidrawAPI;
          api.updateScene({elements: api.getSceneElementsIncludingDeleted().map((e) => e.id === 'frame1'
            ? {...e, name: 'Ochtend', version: e.version + 1, versionNonce: e.versionNonce + 1} : e),
            captureUpdate: 'IMMEDIATELY'});
        }""")
        expect(cluster.locator("input.cluster-title")).to_have_value("Ochtend")

        # Dragged out of the frame again: the idea is no longer in the group.
        inside = bram_page.evaluate(SCREEN_POINT, mine)
        bram_page.mouse.move(inside["x"], inside["y"])
        bram_page.mouse.down()
        bram_page.mouse.move(start["x"], start["y"], steps=12)
        bram_page.mouse.up()
        expect(fien_page.locator(f".cluster-none [data-idea='{mine}']")).to_have_count(1)

        # Moved into the group on the board (the card's "Meer acties" select): the sticky
        # moves into the group's frame on every canvas; out of the group, out of the frame.
        card = fien_page.locator(f"[data-idea='{mine}']")
        card.get_by_role("button", name="Meer acties").click()
        fien_page.locator(f"#move-{mine}").select_option(label="Ochtend")
        expect(fien_page.locator(".cluster", has=fien_page.locator(f"[data-idea='{mine}']"))
               .locator("input.cluster-title")).to_have_value("Ochtend")
        bram_page.wait_for_function(IN_FRAME, arg=[mine, "frame1"])
        fien_page.click("#tab-whiteboard")
        fien_page.wait_for_function(IN_FRAME, arg=[mine, "frame1"])
        fien_page.click("#tab-board")
        fien_page.locator(f"#move-{mine}").select_option(label="Geen groep")  # its actions stay open
        bram_page.wait_for_function(f"(a) => !({IN_FRAME})(a)", arg=[mine, "frame1"])
        bram_page.evaluate("""(id) => {
          const api = document.getElementById('whiteboard').excalidrawAPI;
          api.scrollToContent(api.getSceneElements().find((e) => e.customData?.ideaId === id), {animate: false});
        }""", mine)
        bram_page.wait_for_function(IN_VIEW, arg=[mine])
        start = bram_page.evaluate(SCREEN_POINT, mine)

        # A sticky whose idea was deleted says so; a hostile client's bogus stickies break nothing.
        fien_page.locator(f"[data-idea='{other}']").get_by_role("button", name="Meer acties").click()
        fien_page.locator(f"[data-idea='{other}']").get_by_role("button", name="Verwijderen").click()
        wait_sticky_text(bram_page, other, "(dit idee is van het bord verwijderd)")
        write_bogus_stickies(sprankel.ws_url, sid, bram_token)
        expect(bram_page.locator("#whiteboard")).to_have_attribute("data-elements", "8")
        wait_sticky_text(bram_page, "no-such-idea", "(dit idee is van het bord verwijderd)")

        # Deleting a sticky (selected, Delete) takes it off the canvas only: the idea stays
        # on the board and can be placed again (also beside a peer's malformed index key).
        bram_page.mouse.click(start["x"], start["y"])
        bram_page.keyboard.press("Delete")
        expect(bram_page.locator(f"#canvas-ideas [data-idea='{mine}'] button")).to_be_enabled()
        fien_page.wait_for_function(f"(id) => ({STICKY_TEXT})(id) === null", arg=mine)  # text too
        expect(fien_page.locator(f"[data-idea='{mine}'] .idea-text")).to_have_text("Koffie om half elf")
        bram_page.locator(f"#canvas-ideas [data-idea='{mine}'] button").click()
        wait_sticky_text(fien_page, mine, "Koffie om half elf")

        # Published dots are on the sticky as on the card (none while the vote runs).
        vote = api.call("POST", f"/sessions/{sid}/rounds", fac_token,
                        {"kind": "vote", "prompt": "Kies", "duration_s": 300})
        api.call("POST", f"/sessions/{sid}/rounds/{vote['id']}/start", fac_token)
        api.call("PUT", f"/sessions/{sid}/votes/{mine}", bram_token, {"count": 1})
        api.call("POST", f"/sessions/{sid}/rounds/{vote['id']}/end", fac_token)
        wait_sticky_text(bram_page, mine, "Koffie om half elf\n\n● 1 stip")
        expect(fien_page.locator(f"[data-idea='{mine}'] .idea-text")).to_have_text("Koffie om half elf")
        for user in (fien, bram):
            user.assert_clean()
    finally:
        fien.close()
        bram.close()
        api.close()


def test_observers_cannot_place_and_hidden_ideas_never_reach_the_canvas(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Verborgen")
    sid, fac_token = session["id"], session["facilitator_token"]
    fien, olga, anna = (new_user(chromium, sprankel, n) for n in ("Fien", "Olga", "Anna"))
    try:
        sign_in(api, fien, session, "facilitator")
        sign_in(api, olga, session, "observer")
        anna_token = sign_in(api, anna, session)
        api.call("POST", f"/sessions/{sid}/ideas", fac_token, {"text": "Open idee"})
        rnd = api.call("POST", f"/sessions/{sid}/rounds", fac_token,
                       {"kind": "ideate", "prompt": "Stil", "duration_s": 600, "hidden": True})
        api.call("POST", f"/sessions/{sid}/rounds/{rnd['id']}/start", fac_token)
        anna_page = anna.goto(f"/s/{sid}")
        anna_page.fill("#idea-text", "Geheim idee")
        anna_page.press("#idea-text", "Enter")
        expect(anna_page.locator(".drafts")).to_contain_text("Geheim idee")
        del anna_token

        olga_page = open_whiteboard(olga, sid)
        expect(olga_page.locator("#canvas-ideas button").first).to_be_disabled()
        fien_page = open_whiteboard(fien, sid)
        expect(fien_page.locator("#canvas-ideas")).to_contain_text("Open idee")
        expect(fien_page.locator("#canvas-ideas")).not_to_contain_text("Geheim idee")
        fien_page.locator("#canvas-ideas button", has_text="Alle 1").click()
        expect(olga_page.locator("#whiteboard")).to_have_attribute("data-elements", "2")
        texts = olga_page.evaluate("""() => document.getElementById('whiteboard').excalidrawAPI
          .getSceneElements().filter((e) => e.type === 'text').map((e) => e.originalText)""")
        assert texts == ["Open idee"]
        for user in (fien, olga, anna):
            user.assert_clean()
    finally:
        for user in (fien, olga, anna):
            user.close()
        api.close()


def test_an_anonymous_author_edits_her_sticky_through_the_server(
        chromium: Browser, sprankel: ServerProcess) -> None:
    # The proof of test_browser_anonymous_author.py, for an edit made on the canvas.
    from test_browser_anonymous_author import _author_adds_an_idea

    api = Api(sprankel)
    session = api.create_session(settings={"anonymous": True})
    sid = session["id"]
    _, spies, author = _author_adds_an_idea(chromium, sprankel, api, session, "Een vaste pauze")
    fien = new_user(chromium, sprankel, "Fien")
    try:
        idea = next(k for k, v in spies[0].ideas().items() if v.get("text") == "Een vaste pauze")
        author_ids = set(spies[0].awareness())
        sign_in(api, fien, session, "facilitator")
        fien_page = open_whiteboard(fien, sid)
        fien_page.locator(f"#canvas-ideas [data-idea='{idea}'] button").click()
        page = author.page
        page.click("#tab-whiteboard")
        expect(page.locator("#whiteboard")).to_have_attribute("data-ready", "true")
        wait_sticky_text(page, idea, "Een vaste pauze")
        page.wait_for_function(IN_VIEW, arg=[idea])
        point = page.evaluate(SCREEN_POINT, idea)
        page.mouse.dblclick(point["x"], point["y"])
        expect(page.locator(".excalidraw-textEditorContainer textarea")).to_be_visible()
        type_in_editor(page, "Een vaste pauze om tien")
        spies[0].wait_for_idea("Een vaste pauze om tien")
        wait_sticky_text(fien_page, idea, "Een vaste pauze om tien")
        assert author_ids and not spies[0].writers() & author_ids  # the server wrote it
        author.assert_clean()
        fien.assert_clean()
    finally:
        for spy in spies:
            spy.close()
        author.close()
        fien.close()
        api.close()
