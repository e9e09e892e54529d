"""Awareness (cursors, names) between processes, through Redis pub/sub.

Pub/sub, not a stream: a lost cursor position is replaced by the next one. Each
message on ``aw:{document}`` is the sending process's id, a space, and the payload.
On a Redis Cluster the channels are sharded (SSUBSCRIBE/SPUBLISH): a message goes
only to the node of the document's slot and its replicas, not to every node.

A process that opens a document asks the others for what they hold: it sends a
query (the payload ``?``) once Redis confirmed its subscription, and every process
with the document open answers with the states of its own connections. So a client
sees the people on other processes at once, not at their next renewal (the stock
client renews every 15 s, and drops a state after 30 s). A query, rather than a
snapshot kept in Redis, costs nothing while cursors move: only an open sends one
message and gets one answer per process that holds states.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterPubSub, RedisCluster

from ..._redis import REDIS_ERRORS, Backoff
from ._helpers import call, log
from .connection import Connection
from .outbox import Outbox
from .streams import SUBSCRIBE_WAIT_S, StreamReader

# How long subscribing waits for Redis to confirm before it asks anyway (and again on the
# confirmation: a loaded cluster can take longer).
CONFIRM_WAIT_S = SUBSCRIBE_WAIT_S
# And when no confirmation has come this much later either, it asks and answers once more.
LATE_ASK_S = 3.0

QUERY = b"?"  # an awareness payload never is one byte: it is a count and entries
# A cluster client polls each node's pub/sub connection in turn: this is the wait on
# each, so a message waits a few of these at most.
_CLUSTER_POLL_S = 0.02


class Awareness:
    """Receives the awareness of the documents this process has open.

    It finds their subscribers through the reader: a document is open while its
    update stream is.
    """

    def __init__(self, conn: Connection, reader: StreamReader, outbox: Outbox) -> None:
        self._conn = conn
        self._reader = reader
        self._outbox = outbox
        self._pubsub: PubSub | ClusterPubSub | None = None
        self._confirmed: dict[str, asyncio.Event] = {}  # channel -> Redis confirmed it
        # Channels confirmed only after subscribe() stopped waiting (or after a reconnect):
        # on the confirmation, ask again and answer (see _on_message).
        self._late: set[str] = set()

    async def subscribe(self, document: str) -> None:
        channel = self._conn.keys.awareness(document)
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        pubsub = self._pubsub
        if pubsub is None:
            return  # the listener subscribes (and asks) for every open document when back
        try:
            async with asyncio.timeout(SUBSCRIBE_WAIT_S):
                await self._subscribe(pubsub, channel)
        except REDIS_ERRORS as error:
            # The listener subscribes (and asks) again when Redis is back.
            self._conn.link.failed("subscribing to awareness", error)
        else:
            try:
                # Wait for Redis to confirm, so awareness sent right after this call
                # arrives, and so do the answers to the query.
                async with asyncio.timeout(CONFIRM_WAIT_S):
                    await confirmed.wait()
            except TimeoutError:
                self._late.add(channel)
                asyncio.get_running_loop().call_later(LATE_ASK_S, self._ask_late, channel)
        self._outbox.add_awareness(document, QUERY)

    async def unsubscribe(self, document: str) -> None:
        channel = self._conn.keys.awareness(document)
        self._confirmed.pop(channel, None)
        self._late.discard(channel)
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                async with asyncio.timeout(SUBSCRIBE_WAIT_S):
                    if isinstance(pubsub, ClusterPubSub):
                        await pubsub.sunsubscribe(channel)
                    else:
                        await pubsub.unsubscribe(channel)

    async def listen_loop(self) -> None:
        backoff = Backoff()
        # Keeps the connection subscribed while no document is open.
        own_channel = self._conn.keys.control(self._conn.process_id)
        while True:
            pubsub = self._conn.redis.pubsub()
            try:
                for event in self._confirmed.values():
                    event.clear()
                self._late.update(self._confirmed)  # asked now, and again once confirmed
                await self._subscribe(pubsub, own_channel, *self._confirmed)
                self._pubsub = pubsub
                # What changed while we were away: ask again.
                for channel in self._confirmed:
                    self._outbox.add_awareness(
                        self._conn.keys.document_of_awareness(channel), QUERY)
                while True:
                    message = await self._next(pubsub)
                    if message is not None:
                        self._on_message(message)
                        self._conn.link.ok()
                        backoff.reset()
            except REDIS_ERRORS as error:
                self._conn.link.failed("receiving awareness", error)
                await self._refresh_slots()
            finally:
                self._pubsub = None
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await backoff.sleep()

    async def _subscribe(self, pubsub: PubSub | ClusterPubSub, *channels: str) -> None:
        if isinstance(pubsub, ClusterPubSub):
            await pubsub.ssubscribe(*channels)
        else:
            await pubsub.subscribe(*channels)

    async def _next(self, pubsub: PubSub | ClusterPubSub) -> dict[str, Any] | None:
        if isinstance(pubsub, ClusterPubSub):
            message = await pubsub.get_sharded_message(timeout=_CLUSTER_POLL_S)
        else:
            message = await pubsub.get_message(timeout=1.0)
        return message

    async def _refresh_slots(self) -> None:
        # After a failover the slot map names the dead master until it is read again.
        redis = self._conn.redis
        if isinstance(redis, RedisCluster):
            with contextlib.suppress(*REDIS_ERRORS):
                async with asyncio.timeout(SUBSCRIBE_WAIT_S):
                    await redis.nodes_manager.initialize()

    def _on_message(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()
        kind = message["type"]
        if kind in ("subscribe", "ssubscribe"):
            confirmed = self._confirmed.get(channel)
            if confirmed is not None:
                confirmed.set()
            self._ask_late(channel)
            return
        if kind not in ("message", "smessage"):
            return
        sender, _, payload = bytes(message["data"]).partition(b" ")
        if sender.decode() == self._conn.process_id:
            return
        document = self._conn.keys.document_of_awareness(channel)
        stream = self._reader.document(document)
        if stream is None:
            return
        if payload == QUERY:
            self._answer(document, stream.handlers)
            return
        for subscriber in list(stream.handlers):
            call(subscriber.on_awareness, payload, channel)

    def _ask_late(self, channel: str) -> None:
        """Questions and answers may have passed while this process did not listen yet: ask
        again, and tell what it holds (a question it missed). Once per late subscription."""
        if channel not in self._late:
            return
        self._late.discard(channel)
        document = self._conn.keys.document_of_awareness(channel)
        self._outbox.add_awareness(document, QUERY)
        stream = self._reader.document(document)
        if stream is not None:
            self._answer(document, stream.handlers)

    def _answer(self, document: str, subscribers: list[Any]) -> None:
        for subscriber in list(subscribers):
            if subscriber.own_awareness is None:
                continue
            try:
                payload = subscriber.own_awareness()
            except Exception:
                log.exception("reading this process's awareness of %s failed", document)
                continue
            if payload:
                self._outbox.add_awareness(document, payload)
