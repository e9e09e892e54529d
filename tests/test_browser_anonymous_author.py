"""The proof with a real browser as the author: a participant who records every byte of
the board, the control document and awareness cannot tell who wrote an anonymous idea.

Chromium runs the real client (Yjs, y-websocket, awareness with the author's name set
locally); the spy is a raw WebSocket of another participant. In an anonymous session the
author's name and participant id occur nowhere in what the spy receives; in both an
anonymous session and an anonymous round of a named session, no client id that wrote the
idea is one that awareness shows next to a name.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pycrdt import Doc, Map
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from browser_support import Api, new_user, remember_session
from server_process import ServerProcess
from sprankel.sync import protocol
from update_bytes import writers as frames_writers

pytestmark = pytest.mark.browser

AUTHOR = "Annelies Vermeer"


class Recorder:
    """A raw y-websocket connection that keeps every frame it receives."""

    def __init__(self, url: str) -> None:
        self.frames: list[bytes] = []
        self.doc: Doc[Any] = Doc()
        self._lock = threading.Lock()
        self._stack = ExitStack()
        self._ws: ClientConnection = self._stack.enter_context(
            connect(url, max_size=None, compression=None))
        self._ws.send(protocol.create_sync_step1_message(b"\x00"))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for frame in self._ws:
                if isinstance(frame, bytes):
                    with self._lock:
                        self.frames.append(frame)
                        message = protocol.decode_message(frame)
                        if (isinstance(message, protocol.SyncMessage)
                                and message.step != protocol.SYNC_STEP1):
                            self.doc.apply_update(message.payload)
        except ConnectionClosed:
            pass

    def ideas(self) -> dict[str, Any]:
        with self._lock:
            data = self.doc.get("ideas", type=Map).to_py()
        return data if isinstance(data, dict) else {}

    def wait_for_idea(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(isinstance(i, dict) and i.get("text") == text
                      for i in self.ideas().values()):
            assert time.monotonic() < deadline, f"{text!r} never reached the spy"
            time.sleep(0.05)

    def wait_for_awareness(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not self.awareness():
            assert time.monotonic() < deadline, "no awareness reached the spy"
            time.sleep(0.05)

    def received(self) -> list[bytes]:
        with self._lock:
            return list(self.frames)

    def awareness(self) -> dict[int, Any]:
        out = {}
        for frame in self.received():
            message = protocol.decode_message(frame)
            if isinstance(message, protocol.AwarenessMessage):
                for entry in protocol.decode_awareness(message.payload):
                    out[entry.client_id] = json.loads(entry.state)
        return out

    def writers(self) -> set[int]:
        return frames_writers(self.received())

    def close(self) -> None:
        self._stack.close()
        self._thread.join(5)


def _named_client_ids(spy: Recorder) -> set[int]:
    return {cid for cid, state in spy.awareness().items()
            if isinstance((state or {}).get("user", {}).get("name"), str)}


def _author_adds_an_idea(chromium: Browser, server: ServerProcess, api: Api,
                         session: dict[str, Any], text: str,
                         ) -> tuple[dict[str, Any], list[Recorder], Any]:
    author = api.join(session, AUTHOR)
    spy_member = api.join(session, "Spion")
    ws = f"{server.ws_url}/sessions/{session['id']}"
    spies = [Recorder(f"{ws}/{doc}?token={spy_member['token']}") for doc in ("board", "control")]
    user = new_user(chromium, server, AUTHOR)
    try:
        remember_session(user, session["id"], author["token"], "participant", AUTHOR,
                         author["participant_id"])
        page = user.goto(f"/s/{session['id']}")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        spies[0].wait_for_awareness()  # the browser's presence, as the server relays it
        composer = page.locator("#idea-text")
        composer.fill(text)
        composer.press("Enter")  # on the field itself, wherever a re-render put the focus
        try:
            spies[0].wait_for_idea(text)
        except AssertionError as missing:
            state = page.evaluate(
                "() => ({field: document.querySelector('#idea-text')?.value ?? null,"
                " focus: document.activeElement?.id || document.activeElement?.tagName,"
                " said: document.querySelector('[aria-live]')?.textContent ?? null})")
            raise AssertionError(f"{missing}; the page: {state}") from None
        expect(page.locator("#panel-board .clusters [data-idea]", has_text=text)).to_be_visible()
    except BaseException:
        # The caller's cleanup has not begun: close what was opened here.
        for spy in spies:
            spy.close()
        user.close()
        raise
    return author, spies, user


def test_a_browser_author_in_an_anonymous_session_is_untraceable(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session(settings={"anonymous": True})
    author, spies, user = _author_adds_an_idea(chromium, sprankel, api, session,
                                               "Een vaste koffiepauze")
    try:
        recorded = b"".join(frame for spy in spies for frame in spy.received())
        assert AUTHOR.encode() not in recorded
        assert author["participant_id"].encode() not in recorded
        browser_ids = set(spies[0].awareness())
        assert browser_ids, "the browser's awareness reached the spy"
        assert not spies[0].writers() & browser_ids  # the server wrote the idea
        assert not spies[0].writers() & _named_client_ids(spies[0])
        # Offline, the composer says why it cannot take anonymous ideas.
        user.context.set_offline(True)
        expect(user.page.locator("#composer-offline")).to_be_visible()
        user.context.set_offline(False)
        expect(user.page.locator("#idea-text")).to_be_visible()
        user.assert_clean()
    finally:
        for spy in spies:
            spy.close()
        user.close()
        api.close()


def test_a_browser_author_in_an_anonymous_round_of_a_named_session_is_untraceable(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session()
    token = session["facilitator_token"]
    rnd = api.call("POST", f"/sessions/{session['id']}/rounds", token,
                   {"kind": "ideate", "prompt": "Wat mis je?", "duration_s": 600,
                    "anonymous": True})
    api.call("POST", f"/sessions/{session['id']}/rounds/{rnd['id']}/start", token, {})
    _, spies, user = _author_adds_an_idea(chromium, sprankel, api, session,
                                               "Samen lunchen op vrijdag")
    try:
        named = _named_client_ids(spies[0])
        names = {spies[0].awareness()[cid]["user"]["name"] for cid in named}
        assert AUTHOR in names  # a named session: the browser's awareness names her
        assert not spies[0].writers() & named  # ... yet none of those wrote the idea
        idea = next(i for i in spies[0].ideas().values() if i["text"].startswith("Samen"))
        assert idea["author_id"] is None and idea["author_name"] is None
        user.assert_clean()
    finally:
        for spy in spies:
            spy.close()
        user.close()
        api.close()
