"""What every part of the Redis broker shares: its process id, key names and clients."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid

from redis.asyncio import Redis

from ..._redis import REDIS_ERRORS, Link, RedisUnavailable, connect, wait_until_reachable
from .keys import Keys

BLOCK_MS = 1000  # a blocking XREAD returns at least this often


class Connection:
    def __init__(self, url: str, keys: Keys) -> None:
        self.url = url
        self.keys = keys
        self.process_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        # One for all loops: one log line when Redis goes away, one when it is back.
        self.link = Link("redis broker", url)
        self._client: Redis | None = None
        self._reader: Redis | None = None  # its own connection for blocking reads

    @property
    def started(self) -> bool:
        return self._client is not None

    @property
    def redis(self) -> Redis:
        if self._client is None:
            raise RuntimeError("the broker is not started")
        return self._client

    @property
    def reader(self) -> Redis:
        if self._reader is None:
            raise RuntimeError("the broker is not started")
        return self._reader

    async def open(self, startup_wait_s: float) -> None:
        """Connect, waiting up to startup_wait_s for Redis (then RedisUnavailable)."""
        self._client = connect(self.url)
        self._reader = connect(self.url, socket_timeout=BLOCK_MS / 1000 + 5)
        try:
            await wait_until_reachable(self._client, self.url, "redis broker", startup_wait_s)
        except RedisUnavailable:
            await self.close()
            raise

    async def close(self) -> None:
        for client in (self._client, self._reader):
            if client is not None:
                with contextlib.suppress(*REDIS_ERRORS):
                    await client.aclose()
        self._client = self._reader = None
