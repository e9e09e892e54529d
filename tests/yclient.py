"""A small asyncio y-websocket client on pycrdt, for the tests.

It speaks what the stock y-websocket browser client speaks: it answers the
server's sync step 1, sends its own step 1, applies updates, sends its local
changes as updates, and keeps awareness states.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from pycrdt import Doc
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from sprankel.sync import protocol


class YClient:
    def __init__(self, url: str, doc: Doc[Any] | None = None, client_id: int | None = None) -> None:
        self.url = url
        self.doc: Doc[Any] = doc if doc is not None else Doc()
        self.client_id = client_id if client_id is not None else self.doc.client_id
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.awareness: dict[int, Any] = {}  # client id -> state (None: gone)
        self.received: list[bytes] = []  # every frame, for byte-level checks
        self._clock = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def connect(self, wait_synced: bool = True, timeout: float = 10) -> YClient:
        self._ws = await connect(self.url, max_size=None, compression=None, open_timeout=timeout)
        self._reader = asyncio.create_task(self._read())
        with contextlib.suppress(ConnectionClosed):  # refused at once: close_code says why
            await self.send_raw(protocol.create_sync_step1_message(self.doc.get_state()))
        if wait_synced:
            await asyncio.wait_for(self.synced.wait(), timeout)
        return self

    async def __aenter__(self) -> YClient:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def send_raw(self, frame: bytes | str) -> None:
        assert self._ws is not None, "connect() first"
        await self._ws.send(frame)

    async def change(self, edit: Callable[[Doc[Any]], None]) -> bytes:
        """Edit the local document and send the resulting update; returns the update."""
        before = self.doc.get_state()
        with self.doc.transaction():
            edit(self.doc)
        update = self.doc.get_update(before)
        await self.send_raw(protocol.create_update_message(update))
        return update

    async def set_awareness(self, state: dict[str, Any] | None) -> None:
        self._clock += 1
        text = b"null" if state is None else json.dumps(state).encode("utf-8")
        entry = protocol.encode_awareness_entry(self.client_id, self._clock, text)
        await self.send_raw(protocol.encode_awareness([entry]))

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until condition() holds, re-checking after every received message."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue

    async def wait_closed(self, timeout: float = 10) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                if isinstance(frame, str):
                    continue
                self.received.append(frame)
                await self._handle(frame)
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self._ws.close_code
            self.close_reason = self._ws.close_reason or ""
            self.closed.set()
            self._changed.set()

    async def _handle(self, frame: bytes) -> None:
        message = protocol.decode_message(frame)
        if isinstance(message, protocol.SyncMessage):
            if message.step == protocol.SYNC_STEP1:
                update = self.doc.get_update(message.payload)
                await self.send_raw(protocol.create_sync_step2_message(update))
                return
            if message.payload != protocol.EMPTY_UPDATE:
                self.doc.apply_update(message.payload)
            if message.step == protocol.SYNC_STEP2:
                self.synced.set()
        elif isinstance(message, protocol.AwarenessMessage):
            for entry in protocol.decode_awareness(message.payload):
                self.awareness[entry.client_id] = json.loads(entry.state)
