"""Once-only work across processes: a lease ``lease:{key}`` taken with SET NX PX."""

from __future__ import annotations

import time
import uuid

from ..._redis import REDIS_ERRORS, Backoff
from ._helpers import as_bytes, log
from .connection import Connection


async def acquire_once(conn: Connection, key: str, ttl_s: float) -> bool:
    """Take the lease; while Redis does not answer, retry briefly, then say False.

    False when Redis is unreachable is the safe answer: nobody does the work twice,
    and a caller that must see it done tries again later (the round timer does).
    """
    lease = conn.keys.lease(key)
    token = f"{conn.process_id}:{uuid.uuid4().hex}"
    backoff = Backoff()
    deadline = time.monotonic() + min(ttl_s, 5.0)
    while True:
        try:
            if await conn.redis.set(lease, token, nx=True, px=max(1, int(ttl_s * 1000))):
                return True
            # A retry after a lost reply finds our own token: we hold the lease.
            holder = await conn.redis.get(lease)
            return holder is not None and as_bytes(holder).decode() == token
        except REDIS_ERRORS as error:
            if time.monotonic() >= deadline:
                log.warning("lease %r not taken: Redis does not answer (%s)", key, error)
                return False
            await backoff.sleep()
