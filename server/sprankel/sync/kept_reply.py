"""The answer to a fresh join, kept: the whole document as one WebSocket frame.

A client that joins with an empty state vector gets the whole document. Encoding a
big board takes a while, and joins come in bursts (a session starting, a page
reloading), so the room keeps the encoded answer until its document changes.
Only the frame is kept: the message the stats and a queued send need is its tail,
a view into the same bytes (keeping both held two copies of a 10 MB board).
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc

from . import protocol
from .connection import binary_frame


class KeptReply:
    __slots__ = ("_frame", "_start")

    def __init__(self) -> None:
        self._frame: bytes | None = None
        self._start = 0  # where the message begins in the frame (after its header)

    def forget(self) -> None:
        """The document changed: the next fresh join encodes it again."""
        self._frame = None

    def get(self, doc: Doc[Any]) -> tuple[memoryview, bytes]:
        """(message, frame): the step 2 of the whole document, encoded at most once per
        change."""
        if self._frame is None:
            message = protocol.create_sync_step2_message(doc.get_update())
            self._frame = binary_frame(message)
            self._start = len(self._frame) - len(message)
        return memoryview(self._frame)[self._start:], self._frame
