"""Presence across processes, and the heartbeat that says which processes are alive.

Each process keeps its own connections in memory and has one task write them to
a hash per document (``presence:{name}``), with its heartbeat
(``process:{id}``) first. Entries of a process whose heartbeat expired (it
crashed) are dropped by whoever reads them. A join waits for its write briefly
(never for long) and reading presence waits a second at most, so a slow Redis
never holds up a connection or a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import replace
from typing import Any

from ..._redis import REDIS_ERRORS, Backoff
from ..base import PresenceEntry
from .connection import Connection

_JOIN_WAIT_S = 0.5  # how long presence_join waits to see its entry written
_PRESENCE_READ_WAIT_S = 1.0  # then presence() answers with this process's connections
_HASH_REFRESH_BEATS = 10  # presence hashes get a new expiry every this many heartbeats


class Presence:
    def __init__(self, conn: Connection, heartbeat_s: float, presence_ttl_s: float) -> None:
        self._conn = conn
        self._heartbeat_s = heartbeat_s
        self._presence_ttl_s = presence_ttl_s
        self._local: dict[str, dict[str, PresenceEntry]] = {}
        self._gone: dict[str, set[str]] = {}
        self._dirty: set[str] = set()
        self._wakeup = asyncio.Event()
        self._requested = 0
        self._written = 0
        self._progress = asyncio.Condition()
        self._beats = 0

    async def join(self, entry: PresenceEntry) -> None:
        self._local.setdefault(entry.document, {})[entry.connection_id] = entry
        self._gone.get(entry.document, set()).discard(entry.connection_id)
        await self._changed(entry.document)

    async def leave(self, document: str, connection_id: str) -> None:
        entries = self._local.get(document, {})
        if entries.pop(connection_id, None) is None:
            return
        if not entries:
            self._local.pop(document, None)
        self._gone.setdefault(document, set()).add(connection_id)
        await self._changed(document)

    async def entries(self, document: str) -> list[PresenceEntry]:
        now = time.time()
        local = [replace(e, last_seen=now) for e in self._local.get(document, {}).values()]
        try:
            # A slow Redis must not hold up the page that shows who is here.
            async with asyncio.timeout(_PRESENCE_READ_WAIT_S):
                others = await self._remote(document)
        except REDIS_ERRORS as error:
            self._conn.link.failed("reading presence", error)  # one line per outage
            others = []
        return sorted(local + others, key=lambda e: (e.connected_at, e.connection_id))

    async def _remote(self, document: str) -> list[PresenceEntry]:
        redis, keys, own = self._conn.redis, self._conn.keys, self._conn.process_id
        key = keys.presence(document)
        raw = await redis.hgetall(key)
        entries: list[PresenceEntry] = []
        for value in raw.values():
            try:
                entries.append(PresenceEntry(**json.loads(value)))
            except (ValueError, TypeError):
                continue
        processes = sorted({e.process for e in entries} - {own})
        beats: list[Any] = []
        if processes:
            beats = await redis.mget([keys.process(p) for p in processes])
        alive = {p: float(b) for p, b in zip(processes, beats, strict=True) if b is not None}
        live, dead = [], []
        for e in entries:
            if e.process == own:
                continue  # this process's own entries come from memory
            if e.process in alive:
                live.append(replace(e, last_seen=alive[e.process]))
            else:
                dead.append(e.connection_id)
        if dead:
            # The process stopped beating (crashed): its connections are gone.
            await redis.hdel(key, *dead)
        return live

    async def _changed(self, document: str) -> None:
        """Have the presence task write a change; wait briefly for it (never for long)."""
        self._dirty.add(document)
        self._requested += 1
        wanted = self._requested
        self._wakeup.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_JOIN_WAIT_S), self._progress:
                await self._progress.wait_for(lambda: self._written >= wanted)

    async def heartbeat_loop(self) -> None:
        backoff = Backoff()
        next_beat = 0.0
        rewrite_all = True  # after start and after a blip: Redis may have lost our entries
        while True:
            delay = next_beat - time.monotonic()
            if delay > 0 and not self._wakeup.is_set():
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a
                # cancellation that coincides with its timeout, and close() would hang.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wakeup.wait()
            self._wakeup.clear()
            requested = self._requested
            dirty, self._dirty = self._dirty, set()
            beat = time.monotonic() >= next_beat
            if rewrite_all:
                dirty |= set(self._local)
            try:
                await self._write(dirty, beat)
            except REDIS_ERRORS as error:
                self._conn.link.failed("writing presence", error)
                self._dirty |= dirty
                rewrite_all = True
                await backoff.sleep()
                next_beat = 0.0
                continue
            self._conn.link.ok()
            backoff.reset()
            rewrite_all = False
            if beat:
                next_beat = time.monotonic() + self._heartbeat_s
                self._beats += 1
            async with self._progress:
                self._written = requested
                self._progress.notify_all()

    async def _write(self, dirty: set[str], beat: bool) -> None:
        keys = self._conn.keys
        ttl_ms = int(self._presence_ttl_s * 1000)
        hash_ttl = max(60, int(self._heartbeat_s * _HASH_REFRESH_BEATS * 3))
        gone = {doc: self._gone.pop(doc) for doc in dirty if doc in self._gone}
        try:
            async with self._conn.redis.pipeline(transaction=False) as pipe:
                # The heartbeat goes first: entries are only trusted while it is alive.
                if beat or dirty:
                    pipe.set(keys.process(self._conn.process_id), str(time.time()), px=ttl_ms)
                for doc in dirty:
                    key = keys.presence(doc)
                    if gone.get(doc):
                        pipe.hdel(key, *gone[doc])
                    entries = self._local.get(doc)
                    if entries:
                        pipe.hset(key, mapping={
                            cid: json.dumps(e.to_json()) for cid, e in entries.items()
                        })
                        pipe.expire(key, hash_ttl)
                # The hashes outlive a crashed process by hash_ttl at most; refreshing
                # them every few beats (not every beat) is enough for live ones.
                if beat and self._beats % _HASH_REFRESH_BEATS == 0:
                    for doc in self._local.keys() - dirty:
                        pipe.expire(keys.presence(doc), hash_ttl)
                await pipe.execute()
        except BaseException:
            for doc, ids in gone.items():
                self._gone.setdefault(doc, set()).update(ids)
            raise

    async def forget_own(self) -> None:
        """Say goodbye: this process's entries and heartbeat leave Redis at once."""
        keys = self._conn.keys
        async with self._conn.redis.pipeline(transaction=False) as pipe:
            for doc, entries in self._local.items():
                pipe.hdel(keys.presence(doc), *entries)
            pipe.delete(keys.process(self._conn.process_id))
            await pipe.execute()
