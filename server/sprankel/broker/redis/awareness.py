"""Awareness (cursors, names) between processes, through Redis pub/sub.

Pub/sub, not a stream: a lost cursor position is replaced by the next one. Each
message on ``aw:{document}`` is the sending process's id, a space, and the payload.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from redis.asyncio.client import PubSub

from ..._redis import REDIS_ERRORS, Backoff
from ._helpers import call
from .connection import Connection
from .streams import SUBSCRIBE_WAIT_S, StreamReader


class Awareness:
    """Receives the awareness of the documents this process has open.

    It finds their subscribers through the reader: a document is open while its
    update stream is.
    """

    def __init__(self, conn: Connection, reader: StreamReader) -> None:
        self._conn = conn
        self._reader = reader
        self._pubsub: PubSub | None = None
        self._confirmed: dict[str, asyncio.Event] = {}  # channel -> Redis confirmed it

    async def subscribe(self, document: str) -> None:
        channel = self._conn.keys.awareness(document)
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        pubsub = self._pubsub
        if pubsub is None:
            return  # the listener subscribes to every open document when it reconnects
        try:
            async with asyncio.timeout(SUBSCRIBE_WAIT_S):
                await pubsub.subscribe(channel)
                # Wait for Redis to confirm, so awareness sent right after this call arrives.
                await confirmed.wait()
        except REDIS_ERRORS as error:
            self._conn.link.failed("subscribing to awareness", error)

    async def unsubscribe(self, document: str) -> None:
        channel = self._conn.keys.awareness(document)
        self._confirmed.pop(channel, None)
        if self._pubsub is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                async with asyncio.timeout(SUBSCRIBE_WAIT_S):
                    await self._pubsub.unsubscribe(channel)

    async def listen_loop(self) -> None:
        backoff = Backoff()
        # Keeps the connection subscribed while no document is open.
        own_channel = self._conn.keys.control(self._conn.process_id)
        while True:
            pubsub = self._conn.redis.pubsub()
            try:
                for event in self._confirmed.values():
                    event.clear()
                await pubsub.subscribe(own_channel, *self._confirmed)
                self._pubsub = pubsub
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._on_message(message)
                        self._conn.link.ok()
                        backoff.reset()
            except REDIS_ERRORS as error:
                self._conn.link.failed("receiving awareness", error)
            finally:
                self._pubsub = None
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await backoff.sleep()

    def _on_message(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()
        if message["type"] == "subscribe":
            confirmed = self._confirmed.get(channel)
            if confirmed is not None:
                confirmed.set()
            return
        if message["type"] != "message":
            return
        sender, _, payload = bytes(message["data"]).partition(b" ")
        if sender.decode() == self._conn.process_id:
            return
        stream = self._reader.document(self._conn.keys.document_of_awareness(channel))
        if stream is None:
            return
        for subscriber in list(stream.handlers):
            call(subscriber.on_awareness, payload, channel)
