"""Random and mutated y-websocket frames never crash the server, never change a document
in a way the guard and Yrs would not, and never disconnect a bystander.

Each frame goes over a raw WebSocket, followed by a marker awareness entry: once the
marker comes back, the server has handled the frame; a close instead means it refused
it. A mirror (the guard plus a local pycrdt Doc, as a room does it) predicts what the
document must be; the bystander's copy must end equal to it.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, write_var_uint
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server_process import ServerProcess
from sprankel.sync import protocol
from sprankel.sync.guard import GuardError, UpdateLimits, parse_update
from sprankel.sync.reading import to_plain
from sprankel.sync.type_depths import TypeDepths
from update_bytes import mutated, nested_any_array
from yclient import YClient

FRAMES = 100  # per example; two examples
MARKER_BASE = 9_000_000


def seed_doc() -> tuple[bytes, list[bytes]]:
    """The bystander's starting state, and edits of another client built on it."""
    doc: Doc[Any] = Doc()
    ideas = doc.get("ideas", type=Map)
    with doc.transaction():
        for i in range(5):
            ideas[f"i{i}"] = Map({"text": f"idee {i}", "votes": i})
        doc.get("elements", type=Array).append(Map({"pos": "a0", "el": {"type": "rect"}}))
    start = doc.get_update()
    editor: Doc[Any] = Doc()
    editor.apply_update(start)
    edits = []
    for i in range(5):
        before = editor.get_state()
        editor.get("ideas", type=Map)[f"i{i}"]["text"] = f"Zoë {i} 😀"
        editor.get("ideas", type=Map)[f"new{i}"] = Map({"text": "nieuw", "tags": [1, [2]]})
        editor.get("notes", type=Text).insert(0, "regel\n")
        if i == 3:
            del editor.get("ideas", type=Map)["i0"]
        edits.append(editor.get_update(before))
    return start, edits


START, EDITS = seed_doc()
SEEDS = [START, *EDITS, nested_any_array(40)]


def sync_frame(step: int, payload: bytes) -> bytes:
    return bytes([protocol.MESSAGE_SYNC, step]) + write_var_uint(len(payload)) + payload


frames = st.one_of(
    st.binary(max_size=120),
    mutated(SEEDS).map(lambda u: sync_frame(protocol.SYNC_UPDATE, u)),
    mutated(SEEDS).map(lambda u: sync_frame(protocol.SYNC_STEP2, u)),
    st.sampled_from(EDITS).map(lambda u: sync_frame(protocol.SYNC_UPDATE, u)),
    st.binary(max_size=30).map(lambda sv: sync_frame(protocol.SYNC_STEP1, sv)),
    st.binary(max_size=60).map(lambda p: bytes([1]) + write_var_uint(len(p)) + p),
)


class Mirror:
    """What a room does with a sync message, on a local document."""

    def __init__(self, start: bytes) -> None:
        self.limits = UpdateLimits()
        self.doc: Doc[Any] = Doc()
        self.depths = TypeDepths(self.limits.max_type_depth)
        self.offer(start)

    def offer(self, update: bytes) -> None:
        try:
            parsed = parse_update(update, self.limits)
            plan = self.depths.plan(parsed)
        except GuardError:
            return
        try:
            self.doc.apply_update(update)
        except (ValueError, RuntimeError):
            return  # whatever Yrs took before failing stays, in the room too
        self.depths.commit(plan)

    def handle(self, frame: bytes) -> None:
        try:
            message = protocol.decode_message(frame)
        except protocol.ProtocolError:
            return
        if (isinstance(message, protocol.SyncMessage) and message.step != protocol.SYNC_STEP1
                and message.payload != protocol.EMPTY_UPDATE):
            self.offer(message.payload)


def marker(n: int) -> bytes:
    entry = protocol.encode_awareness_entry(MARKER_BASE + n, 1, b"{}")
    return protocol.encode_awareness([entry])


async def handled(ws: ClientConnection, n: int) -> bool:
    """True once the marker n is relayed back; False when the server closed instead."""
    try:
        async with asyncio.timeout(20):
            async for frame in ws:
                if not isinstance(frame, bytes) or not frame or frame[0] != 1:
                    continue
                payload = protocol.decode_message(frame)
                assert isinstance(payload, protocol.AwarenessMessage)
                if any(e.client_id == MARKER_BASE + n
                       for e in protocol.decode_awareness(payload.payload)):
                    return True
    except ConnectionClosed:
        pass
    return False


async def scenario(server: ServerProcess, sent: list[bytes]) -> None:
    url = server.ws_url + "/fuzz/board"
    bystander = await YClient(url, doc=_doc_from(START)).connect()
    await bystander.set_awareness({"name": "Bob"})
    mirror = Mirror(START)
    ws: ClientConnection | None = None
    try:
        for n, frame in enumerate(sent):
            if ws is None:
                ws = await connect(url, max_size=None)
            await ws.send(frame)
            await ws.send(marker(n))
            if await handled(ws, n):
                mirror.handle(frame)
            else:
                await ws.close()
                ws = None  # refused: nothing of it may show
        await bystander.wait_for(lambda: bystander.doc.get_state() == mirror.doc.get_state())
        for name, kind in (("ideas", Map), ("elements", Array)):
            assert to_plain(bystander.doc.get(name, type=kind)) == to_plain(
                mirror.doc.get(name, type=kind))
        assert not bystander.closed.is_set()
        assert server.process is not None and server.process.poll() is None
    finally:
        if ws is not None:
            await ws.close()
        await bystander.close()


def _doc_from(update: bytes) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.apply_update(update)
    return doc


@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(frames, min_size=FRAMES, max_size=FRAMES))
def test_fuzzed_frames_never_crash_the_server_or_disturb_a_bystander(sent: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp) / "data", "--open-documents").start()
        try:
            asyncio.run(scenario(server, sent))
        finally:
            server.stop()
