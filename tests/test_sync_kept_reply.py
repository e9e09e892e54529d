"""The kept answer to a fresh join holds one copy of the document: the frame, whose tail
is the message. What it hands out must be exactly what encoding afresh gives."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from sprankel.sync import protocol
from sprankel.sync.connection import binary_frame
from sprankel.sync.kept_reply import KeptReply
from sprankel.sync.stats import SyncStats


def _board(ideas: int) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    board = doc.get("ideas", type=Map)
    with doc.transaction():
        for k in range(ideas):
            board[f"idea-{k}"] = f"Idea {k} " * 10  # past 64 KiB: the 8-byte length header
    return doc


def test_the_message_is_the_tail_of_the_kept_frame() -> None:
    for ideas in (0, 1, 40, 2000):  # header of 2, 4 and 10 bytes
        doc = _board(ideas)
        message, frame = KeptReply().get(doc)
        expected = protocol.create_sync_step2_message(doc.get_update())
        assert bytes(message) == expected
        assert frame == binary_frame(expected)
        assert message.obj is frame  # a view, not a second copy


def test_it_is_encoded_once_until_forgotten() -> None:
    doc = _board(3)
    kept = KeptReply()
    _, first = kept.get(doc)
    doc.get("ideas", type=Map)["new"] = "later"
    assert kept.get(doc)[1] is first  # the room forgets it at every change, not the reply
    kept.forget()
    message, again = kept.get(doc)
    assert again is not first
    assert bytes(message) == protocol.create_sync_step2_message(doc.get_update())


def test_the_stats_keep_no_view_of_the_frame() -> None:
    stats = SyncStats()
    message, _ = KeptReply().get(_board(5))
    stats.sent(message)
    stats.sent(protocol.create_sync_step2_message(b"\x00\x00"))
    assert sum(n for n, _ in stats.outgoing().values()) == 2
    # Their keys are bytes of their own: a view would keep the whole frame alive.
    assert all(type(key) is bytes for key in stats._out)
