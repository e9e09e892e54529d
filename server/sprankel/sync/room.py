"""One open document: a live pycrdt Doc, its connections, and its fan-out.

Local updates are applied at once, then a single pump task merges what arrived
meanwhile, appends it to the store and only then sends the same bytes to every
connection and to the other processes. While the store is busy, new updates
gather into the next batch, so a busy room sends fewer, larger messages instead
of falling behind. Awareness passes the rules of sync/awareness.py (ownership of
client ids, limits, valid JSON, the server's user) and is relayed as the checked
bytes by awareness_relay.py (newest per client id, once per event-loop turn).

A fresh join (an empty state vector) is answered with the whole document, encoded
once until the next change (kept_reply.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pycrdt import Doc, merge_updates

from .. import status
from ..broker import Broker, Subscription
from ..store import Store
from . import protocol
from .awareness import AwarenessBook, AwarenessRefused
from .awareness_relay import AwarenessRelay, awareness_payload
from .connection import Connection, binary_frame
from .guard import GuardError, UpdateLimits, parse_update
from .kept_reply import KeptReply
from .opening import apply_stored, mark_guarded
from .protocol import (
    AwarenessMessage,
    ProtocolError,
    QueryAwarenessMessage,
    SyncMessage,
)
from .stats import SyncStats
from .type_depths import TypeDepths

log = logging.getLogger("sprankel.sync")


class InvalidPayload(ValueError):
    """Well-formed framing around content that cannot be applied (close with 1007)."""

    code = status.CLOSE_INVALID_PAYLOAD


class DocumentFull(InvalidPayload):
    """An update that would grow a document past its size limit (close with 4413)."""

    code = status.CLOSE_DOCUMENT_FULL


class Room:
    def __init__(
        self, name: str, store: Store, broker: Broker, limits: UpdateLimits | None = None,
        stats: SyncStats | None = None,
    ) -> None:
        self.name = name
        self.stats = stats or SyncStats()
        self.doc: Doc[Any] = Doc()
        self.limits = limits or UpdateLimits()
        self.depths = TypeDepths(self.limits.max_type_depth)
        # Bytes of the loaded state plus every update applied since: an upper bound of the
        # document's size, measured exactly (get_update) only when it nears the limit.
        self.size = 0
        self._size_measured = -1
        self.connections: set[Connection] = set()
        self.users = 0  # connections plus server-side holders; evict only at zero
        self._store = store
        self._broker = broker
        self._subscription: Subscription | None = None
        # Awareness states known here and who owns each client id (RoomManager sets limits).
        self.awareness = AwarenessBook()
        self._pending_updates: list[bytes] = []
        self._first_pending = 0.0  # perf_counter when the batch's first update was queued
        self._pending_remote: list[bytes] = []
        self._flush_scheduled = False
        self._wakeup = asyncio.Event()
        self._awareness_out = AwarenessRelay(self._broadcast, self._wakeup.set)
        self._queued = 0  # local updates handed to the pump
        self._stored = 0  # of those, how many are stored and fanned out
        self._progress = asyncio.Condition()
        self._pump: asyncio.Task[None] | None = None
        self.failed: BaseException | None = None
        self._full_reply = KeptReply()  # forgotten at every change of self.doc

    # Life cycle

    async def load(self) -> None:
        # Subscribe first: an update another process stores while we read is not missed.
        self._subscription = await self._broker.subscribe(
            self.name, self._on_remote_update, self._on_remote_awareness, self._own_awareness,
            self._resend,
        )
        stored = await self._store.load(self.name)
        if stored:
            self.size = await apply_stored(self.name, stored, self.doc, self.depths,
                                           self._store, self.limits)
        await mark_guarded(self.name, self.depths, self._store)
        self._pump = asyncio.create_task(self._run_pump(), name=f"pump {self.name}")

    async def close(self) -> None:
        """Flush, stop the pump and unsubscribe. Connections must be gone already."""
        if self.failed is None and self._pump is not None:
            await self.wait_stored(self._queued)
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
        if self._subscription is not None:
            await self._subscription.close()

    async def discard(self) -> None:
        """Stop without storing what is queued: the document is being deleted."""
        if self.failed is None:
            self.failed = RuntimeError(f"document {self.name} was deleted")
        self._pending_updates.clear()
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
        if self._subscription is not None:
            await self._subscription.close()
        async with self._progress:
            self._progress.notify_all()

    # Connections

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)
        self._send(conn, protocol.create_sync_step1_message(self.doc.get_state()))
        if self.awareness.states:
            self._send(conn, self._awareness_snapshot())

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        gone = self.awareness.release(conn)
        if gone:
            self._awareness_out.queue(gone, publish=True)

    def handle(self, conn: Connection, frame: bytes) -> None:
        """Apply one frame from a client. Raises ProtocolError or InvalidPayload."""
        self.stats.received(frame)
        message = protocol.decode_message(frame)
        if isinstance(message, SyncMessage):
            self._handle_sync(conn, message)
        elif isinstance(message, AwarenessMessage):
            self._handle_awareness(conn, message.payload)
        elif isinstance(message, QueryAwarenessMessage) and self.awareness.states:
            self._send(conn, self._awareness_snapshot())

    def _handle_sync(self, conn: Connection, message: SyncMessage) -> None:
        if message.step == protocol.SYNC_STEP1:
            if message.payload == protocol.EMPTY_STATE_VECTOR:
                self._send_full_state(conn)
                return
            try:
                update = self.doc.get_update(message.payload)
            except ValueError as error:
                raise InvalidPayload("invalid state vector") from error
            self._send(conn, protocol.create_sync_step2_message(update))
            return
        if not conn.access.can_write():
            return  # read-only: never applied, stored or forwarded
        if message.payload == protocol.EMPTY_UPDATE:
            return
        # Checked before Yrs sees the bytes: an over-deep value would overflow its stack.
        try:
            parsed = parse_update(message.payload, self.limits)
            plan = self.depths.plan(parsed)
        except GuardError as error:
            raise InvalidPayload(f"update refused: {error}") from error
        if parsed.adds_content:
            self._check_room_for(len(message.payload))
        before = self.doc.get_state()
        self._full_reply.forget()
        try:
            self.doc.apply_update(message.payload)
        except (ValueError, RuntimeError) as error:
            self._keep_partial(before)
            raise InvalidPayload("update cannot be applied") from error
        self.depths.commit(plan)
        self.size += len(message.payload)
        self._queue_update(message.payload)

    def _handle_awareness(self, conn: Connection, payload: bytes) -> None:
        """Raises ProtocolError, InvalidPayload (1007) or AwarenessRefused (1008)."""
        try:
            relay = self.awareness.accept_local(conn, payload)
        except AwarenessRefused as refused:
            if refused.code == status.CLOSE_INVALID_PAYLOAD:
                raise InvalidPayload(refused.reason) from refused
            raise
        # Relay to everyone, the sender too: the echo keeps a lone client's socket alive.
        if relay:
            self._awareness_out.queue(relay, publish=True)

    # Server-side changes

    def apply_local_update(self, update: bytes) -> int:
        """Queue an update the server made to self.doc; returns its sequence number."""
        self._learn(update)  # trusted, never refused: later client items may build on it
        self._full_reply.forget()  # the server changed self.doc before calling this
        self.size += len(update)
        self._queue_update(update)
        return self._queued

    def _queue_update(self, update: bytes) -> None:
        if not self._pending_updates:
            self._first_pending = time.perf_counter()
        self._pending_updates.append(update)
        self._queued += 1
        self._wakeup.set()

    async def wait_stored(self, sequence: int) -> None:
        async with self._progress:
            await self._progress.wait_for(lambda: self._stored >= sequence or self.failed)
        if self.failed is not None:
            raise RuntimeError(f"document {self.name} could not be stored") from self.failed

    def relay_server_state(self, entry: bytes) -> None:
        """Send an awareness entry of the server's own (awareness.SERVER_CLIENT_IDS) to
        every connection here and to the other processes; it is not kept."""
        self._awareness_out.queue([entry], publish=True)

    # From other processes

    def _on_remote_update(self, update: bytes) -> None:
        # Another process checked it already; only what would endanger this one is refused.
        try:
            plan = self.depths.plan(parse_update(update, self.limits), strict=False)
            self._full_reply.forget()
            self.doc.apply_update(update)
        except (ValueError, RuntimeError) as error:
            log.error("invalid update from another process doc=%s error=%s", self.name, error)
            return
        self.depths.commit(plan)
        self.size += len(update)
        self._pending_remote.append(update)
        self._schedule_flush()

    def _on_remote_awareness(self, payload: bytes) -> None:
        try:
            relay = self.awareness.accept_remote(payload)
        except ProtocolError:
            log.error("invalid awareness from another process doc=%s", self.name)
            return
        if relay:
            self._awareness_out.queue(relay, publish=False)

    def _resend(self) -> None:
        """Store and publish the whole document again: Redis lost writes (a failover)."""
        if self.failed is None and self._pump is not None:
            self.apply_local_update(self.doc.get_update())

    def _own_awareness(self) -> bytes | None:
        """The states of this process's connections, for a process that opens the document."""
        entries = self.awareness.own_entries()
        return awareness_payload(entries) if entries else None

    # Fan-out

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Once per event-loop turn: relay the gathered remote updates locally."""
        self._flush_scheduled = False
        if self._pending_remote:
            self._broadcast(protocol.create_update_message(_merge(self._pending_remote)))
            self._pending_remote = []

    def _send_full_state(self, conn: Connection) -> None:
        message, frame = self._full_reply.get(self.doc)
        self.stats.sent(message)
        conn.send(message, frame)

    def _send(self, conn: Connection, message: bytes) -> None:
        self.stats.sent(message)
        conn.send(message)

    def _broadcast(self, message: bytes) -> None:
        frame = binary_frame(message)  # encoded once, the same bytes for every socket
        self.stats.sent(message, len(self.connections))
        for conn in self.connections:
            conn.send(message, frame)

    async def _run_pump(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            outgoing = self._awareness_out.take_outgoing()
            if outgoing is not None:
                await self._publish(self._broker.publish_awareness, outgoing)
            if self._pending_updates and not await self._store_batch():
                return

    async def _store_batch(self) -> bool:
        """Store, fan out and acknowledge what is pending; False once the store failed.

        A method of its own so that the batch and its merge (after a burst, as big as the
        document) are freed when it returns, not held while the pump waits for the next.
        """
        batch, self._pending_updates = self._pending_updates, []
        first_pending = self._first_pending
        update = _merge(batch)
        appending = time.perf_counter()
        try:
            await self._store.append(self.name, update)
        except Exception as error:
            await self._fail(error)
            return False
        self.stats.store.observe(time.perf_counter() - appending)
        self._broadcast(protocol.create_update_message(update))
        await self._publish(self._broker.publish_update, update)
        self.stats.fanout.observe(time.perf_counter() - first_pending)
        async with self._progress:
            self._stored += len(batch)
            self._progress.notify_all()
        return True

    async def _publish(self, publish: Callable[[str, bytes], Awaitable[None]], data: bytes) -> None:
        try:
            await publish(self.name, data)
        except Exception:
            log.exception("broker publish failed doc=%s", self.name)

    async def _fail(self, error: BaseException) -> None:
        """The store refused an update: nothing may be acknowledged from memory any more.

        Every client still holds its edits; closing with 1011 makes them reconnect
        and send them again once the document is loaded afresh from the store.
        """
        log.error("store append failed doc=%s error=%r", self.name, error)
        self.failed = error
        for conn in list(self.connections):
            conn.close(status.CLOSE_INTERNAL_ERROR, "storage failed: reconnecting")
        async with self._progress:
            self._progress.notify_all()

    # Guarding

    @property
    def shallow(self) -> bool:
        """True when readers may use recursive fast paths (see reading.to_plain_fast)."""
        return self.depths.shallow

    def _keep_partial(self, before: bytes) -> None:
        """Yrs may integrate the first structs of an update before it fails on a later one.

        What it took is in memory now: store and forward it like any change, so memory
        never holds what the store and the other clients do not.
        """
        if self.doc.get_state() == before:
            return
        partial = self.doc.get_update(before)
        log.warning("update failed after a part was applied doc=%s bytes=%d", self.name,
                    len(partial))
        self.apply_local_update(partial)

    def _learn(self, update: bytes) -> None:
        try:
            self.depths.learn(parse_update(update, self.limits))
        except GuardError as error:
            log.error("server update not understood by the guard doc=%s error=%s", self.name,
                      error)

    def _check_room_for(self, grow: int) -> None:
        limit = self.limits.max_document_size
        if self.size + grow <= limit:
            return
        if self.size != self._size_measured:
            # The running total counts every update; what is stored after compaction is less.
            self.size = self._size_measured = len(self.doc.get_update())
        if self.size + grow > limit:
            raise DocumentFull(
                f"document full ({limit // 1024} KiB): delete something to make room"
            )

    def _awareness_snapshot(self) -> bytes:
        return protocol.encode_awareness([raw for _, raw in self.awareness.states.values()])


def _merge(updates: list[bytes]) -> bytes:
    return updates[0] if len(updates) == 1 else merge_updates(*updates)

