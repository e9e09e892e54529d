"""What every part of the Redis broker shares: its process id, key names and clients."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid

from ..._redis import (
    REDIS_ERRORS,
    Client,
    Link,
    RedisTarget,
    RedisUnavailable,
    connect,
    wait_until_reachable,
)
from .keys import Keys

BLOCK_MS = 1000  # a blocking XREAD returns at least this often


class Connection:
    def __init__(self, target: RedisTarget, keys: Keys) -> None:
        self.target = target
        self.cluster = target.cluster
        self.keys = keys
        self.process_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        # One for all loops: one log line when Redis goes away, one when it is back.
        self.link = Link("redis broker", target.url)
        self._client: Client | None = None
        self._reader: Client | None = None  # its own connections for blocking reads

    @property
    def started(self) -> bool:
        return self._client is not None

    @property
    def redis(self) -> Client:
        if self._client is None:
            raise RuntimeError("the broker is not started")
        return self._client

    @property
    def reader(self) -> Client:
        if self._reader is None:
            raise RuntimeError("the broker is not started")
        return self._reader

    async def open(self, startup_wait_s: float) -> None:
        """Connect, waiting up to startup_wait_s for Redis (then RedisUnavailable)."""
        self._client = connect(self.target)
        self._reader = connect(self.target, socket_timeout=BLOCK_MS / 1000 + 5)
        try:
            await wait_until_reachable(self._client, self.target, "redis broker",
                                       startup_wait_s)
        except RedisUnavailable:
            await self.close()
            raise

    async def close(self) -> None:
        for client in (self._client, self._reader):
            if client is not None:
                with contextlib.suppress(*REDIS_ERRORS):
                    await client.aclose()
        self._client = self._reader = None
