"""Small functions the parts of the Redis broker share."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from pycrdt import merge_updates

log = logging.getLogger("sprankel.redis")


def as_bytes(value: object) -> bytes:
    # redis-py's types allow str too, but without decode_responses Redis hands us bytes.
    assert isinstance(value, bytes), value
    return value


def call(handler: Callable[[Any], None], value: Any, source: str) -> None:
    """Hand a subscriber a message; its failure is logged, never the reader's end."""
    try:
        handler(value)
    except Exception:
        log.exception("subscriber failed on a message from %s", source)


async def merge(parts: list[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    # Merging large updates takes a while: keep the event loop free.
    return await asyncio.to_thread(merge_updates, *parts)
