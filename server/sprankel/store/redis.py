"""The Redis store: documents and records in Redis, shared by processes on several hosts.

Keys, under a prefix (``sprankel:`` by default):

- ``doc:{name}:snap``  one merged Yjs update (the snapshot), absent until the first compaction
- ``doc:{name}:log``   a list of the updates appended since, oldest first
- ``rec:{len(kind)}:{kind}:{key}``  one record as JSON (the length keeps kinds apart)
- ``recs:{kind}``      a sorted set of the record keys of a kind, for listing by prefix
- ``readyz``           the readiness probe's write (expires after a minute)

On a Redis Cluster (``--redis-cluster``) the part a transaction spans is a hash tag,
so that it lives in one slot: ``doc:{{name}}:snap`` and ``doc:{{name}}:log`` (one
document's two keys), ``rec:{{kind}}:{key}`` and ``recs:{{kind}}`` (a kind's records
and their index: ``put_record`` changes both at once). The single-node names stay
as they were, so existing data is found after an upgrade.

It is as durable as the Redis behind it: an operator who needs no data loss runs
Redis with ``appendonly yes`` (docs/scaling.md). While Redis is unreachable every
call retries for a while (``retry_s``) before it fails, so a short blip delays
writes instead of failing documents.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from redis.exceptions import WatchError

from .._redis import (
    REDIS_ERRORS,
    STARTUP_WAIT_S,
    Backoff,
    Client,
    Link,
    RedisTarget,
    RedisUnavailable,
    connect,
    wait_until_reachable,
)
from .base import JSON, RecordUpdate, Store
from .compaction import Merger

T = TypeVar("T")

# Attempts of an optimistic transaction before giving up (others kept changing the key).
_WATCH_ATTEMPTS = 100
_MGET_CHUNK = 500


class RedisStore(Store):
    def __init__(
        self,
        target: RedisTarget | str,
        compact_after: int = 500,
        key_prefix: str = "sprankel:",
        retry_s: float = 10.0,
        startup_wait_s: float = STARTUP_WAIT_S,
    ) -> None:
        self._target = RedisTarget.of(target)
        self._compact_after = compact_after
        self._prefix = key_prefix
        self._retry_s = retry_s
        self._startup_wait_s = startup_wait_s
        self._merger = Merger()
        self._client: Client | None = None
        self._link = Link("redis store", self._target.url)
        self._tagged = self._target.cluster

    async def start(self) -> None:
        self._client = connect(self._target)
        try:
            await wait_until_reachable(self._client, self._target, "redis store",
                                       self._startup_wait_s)
        except RedisUnavailable:
            await self._client.aclose()
            self._client = None
            raise

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await asyncio.to_thread(self._merger.close)

    async def healthy(self) -> bool:
        try:
            async with asyncio.timeout(2):
                # A write, not a ping: Redis that cannot persist (a full disk with
                # stop-writes-on-bgsave-error) or is out of memory still answers PING.
                return bool(await self._redis.set(self._prefix + "readyz", "1", ex=60))
        except REDIS_ERRORS:
            return False
        except RuntimeError:
            return False

    # Documents

    async def load(self, name: str) -> list[bytes]:
        async def load() -> list[bytes]:
            # One transaction: a compaction elsewhere cannot fall between the two reads.
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.get(self._snap_key(name))
                pipe.lrange(self._log_key(name), 0, -1)
                snapshot, log = await pipe.execute()
            return ([bytes(snapshot)] if snapshot else []) + [bytes(u) for u in log]

        return await self._retrying(f"loading {name}", load)

    async def append(self, name: str, update: bytes) -> None:
        async def append() -> int:
            return int(await self._redis.rpush(self._log_key(name), update))

        # A retry after a lost reply may store an update twice; Yjs ignores the duplicate.
        length = await self._retrying(f"appending to {name}", append)
        if length >= self._compact_after:
            await self.compact(name)

    async def compact(self, name: str) -> None:
        await self._retrying(f"compacting {name}", lambda: self._compact(name))

    async def _compact(self, name: str) -> None:
        snap_key, log_key = self._snap_key(name), self._log_key(name)
        for _ in range(_WATCH_ATTEMPTS):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    # Appends only add at the tail, so they need not abort a compaction;
                    # another compaction or a delete changes the snapshot key and does.
                    await pipe.watch(snap_key)
                    snapshot = await pipe.get(snap_key)
                    log = await pipe.lrange(log_key, 0, -1)
                    if not log:
                        return
                    parts = ([_bytes(snapshot)] if snapshot else []) + [_bytes(u) for u in log]
                    # Through a Doc, so deleted content leaves storage (compact_updates).
                    merged = await self._merger.merge(parts)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(snap_key, merged)
                    pipe.ltrim(log_key, len(log), -1)
                    await pipe.execute()
                    return
                except WatchError:
                    await asyncio.sleep(random.random() / 100)
        # Someone else keeps compacting this document: their snapshot will do.

    async def replace(self, name: str, snapshot: bytes) -> None:
        if not snapshot:
            await self.delete(name)
            return

        async def replace() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self._snap_key(name), snapshot)  # aborts a concurrent compaction
                pipe.delete(self._log_key(name))
                await pipe.execute()

        await self._retrying(f"replacing {name}", replace)

    async def delete(self, name: str) -> None:
        async def delete() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                # SET before DEL touches the snapshot key even when it does not exist,
                # which aborts a concurrent compaction that would otherwise revive it.
                pipe.set(self._snap_key(name), b"")
                pipe.delete(self._snap_key(name), self._log_key(name))
                await pipe.execute()

        await self._retrying(f"deleting {name}", delete)

    # Records

    async def get_record(self, kind: str, key: str) -> JSON | None:
        async def get() -> JSON | None:
            return _decode(await self._redis.get(self._record_key(kind, key)))

        return await self._retrying(f"reading {kind} record", get)

    async def put_record(self, kind: str, key: str, value: JSON) -> None:
        async def put() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self._record_key(kind, key), _encode(value))
                pipe.zadd(self._index_key(kind), {key: 0})
                await pipe.execute()

        await self._retrying(f"writing {kind} record", put)

    async def update_record(self, kind: str, key: str, change: RecordUpdate) -> JSON | None:
        return await self._retrying(f"updating {kind} record",
                                    lambda: self._update_record(kind, key, change))

    async def _update_record(self, kind: str, key: str, change: RecordUpdate) -> JSON | None:
        record_key = self._record_key(kind, key)
        for _ in range(_WATCH_ATTEMPTS):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(record_key)
                    new = change(_decode(await pipe.get(record_key)))
                    pipe.multi()  # type: ignore[no-untyped-call]
                    if new is None:
                        pipe.delete(record_key)
                        pipe.zrem(self._index_key(kind), key)
                    else:
                        pipe.set(record_key, _encode(new))
                        pipe.zadd(self._index_key(kind), {key: 0})
                    await pipe.execute()
                    return new
                except WatchError:
                    # Another process changed it between our read and write: read again.
                    await asyncio.sleep(random.random() / 100)
        raise RuntimeError(f"record {kind}/{key} kept changing; update abandoned")

    async def delete_record(self, kind: str, key: str) -> None:
        async def delete() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._record_key(kind, key))
                pipe.zrem(self._index_key(kind), key)
                await pipe.execute()

        await self._retrying(f"deleting {kind} record", delete)

    async def list_records(self, kind: str, prefix: str = "") -> dict[str, JSON]:
        async def list_() -> dict[str, JSON]:
            if prefix:
                # 0xff never occurs in UTF-8, so it sorts after every key with this prefix.
                low = b"[" + prefix.encode()
                high = b"[" + prefix.encode() + b"\xff"
                keys: Any = await self._redis.zrangebylex(self._index_key(kind), low, high)
            else:
                keys = await self._redis.zrange(self._index_key(kind), 0, -1)
            names = [_bytes(k).decode() for k in cast(list[Any], keys)]
            out: dict[str, JSON] = {}
            for i in range(0, len(names), _MGET_CHUNK):
                chunk = names[i : i + _MGET_CHUNK]
                values = await self._redis.mget([self._record_key(kind, k) for k in chunk])
                for name, raw in zip(chunk, values, strict=True):
                    record = _decode(raw)
                    if record is not None:
                        out[name] = record
            return out

        return await self._retrying(f"listing {kind} records", list_)

    # Helpers

    @property
    def _redis(self) -> Client:
        if self._client is None:
            raise RuntimeError("the store is not started")
        return self._client

    async def _retrying(self, doing: str, call: Callable[[], Awaitable[T]]) -> T:
        backoff = Backoff()
        deadline = asyncio.get_running_loop().time() + self._retry_s
        while True:
            try:
                result = await call()
            except REDIS_ERRORS as error:
                self._link.failed(doing, error)
                if asyncio.get_running_loop().time() >= deadline:
                    raise RedisUnavailable(
                        f"the Redis store could not finish {doing} within {self._retry_s:.0f} s:"
                        f" {error}"
                    ) from error
                await backoff.sleep()
                continue
            self._link.ok()
            return result

    def _snap_key(self, name: str) -> str:
        return f"{self._prefix}doc:{self._tag(name)}:snap"

    def _log_key(self, name: str) -> str:
        return f"{self._prefix}doc:{self._tag(name)}:log"

    def _record_key(self, kind: str, key: str) -> str:
        if self._tagged:
            return f"{self._prefix}rec:{{{kind}}}:{key}"  # kinds are names in the code: no }
        return f"{self._prefix}rec:{len(kind)}:{kind}:{key}"

    def _index_key(self, kind: str) -> str:
        return f"{self._prefix}recs:{self._tag(kind)}"

    def _tag(self, part: str) -> str:
        # A hash tag is the text up to the first "}": every key of one name shares it,
        # also when the name holds a "}".
        return f"{{{part}}}" if self._tagged else part


def _encode(value: JSON) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _decode(raw: object) -> JSON | None:
    return None if raw is None else dict(json.loads(_bytes(raw)))


def _bytes(value: object) -> bytes:
    # redis-py's types allow str too, but without decode_responses Redis hands us bytes.
    assert isinstance(value, bytes), value
    return value
