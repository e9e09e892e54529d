"""What the sync layer counts for the operator: messages and bytes by type, closes by
code, fan-out and store latency.

Plain integers on one object per process, added to on the hot path and read only
when /metrics is scraped (metrics.py turns them into Prometheus families). A
prometheus-client Counter takes a lock and a few calls per increment; here a
message costs one dictionary lookup and two additions (about 0.6 us; a
collections.Counter keyed by the label was 1.3 us), and a broadcast to N sockets
the same, once for all of them.
"""

from __future__ import annotations

import bisect
from collections import Counter

# The kinds of y-websocket messages, as the metrics label them.
SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE = "sync_step1", "sync_step2", "sync_update"
AWARENESS, QUERY_AWARENESS, OTHER = "awareness", "query_awareness", "other"
_SYNC_KINDS = (SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE)

# Seconds: a store append on SQLite takes about a millisecond, on Redis a round trip.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                   2.5, 5.0)


def message_kind(message: bytes) -> str:
    """The label of an encoded y-websocket message (its first one or two bytes)."""
    if not message:
        return OTHER
    first = message[0]
    if first == 0 and len(message) > 1 and message[1] < 3:
        return _SYNC_KINDS[message[1]]
    if first == 1:
        return AWARENESS
    if first == 3:
        return QUERY_AWARENESS
    return OTHER


class Latency:
    """A histogram with fixed buckets: counts per bucket, a sum and a count."""

    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, seconds)] += 1
        self.sum += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        """(upper bound, observations at or below it), as Prometheus buckets are."""
        out, total = [], 0
        for bound, count in zip((*map(str, self.buckets), "+Inf"), self.counts, strict=True):
            total += count
            out.append((bound, total))
        return out


class SyncStats:
    def __init__(self) -> None:
        # [messages, bytes] by the message's leading bytes (two for sync, one otherwise: at
        # most 512 keys whatever a client sends); labelled only when scraped.
        self._in: dict[bytes, list[int]] = {}
        self._out: dict[bytes, list[int]] = {}
        self.closed: Counter[int] = Counter()  # connections the server closed, by code
        self.fanout = Latency()  # a batch from the first update queued to sent everywhere
        self.store = Latency()  # one append of a merged batch

    def received(self, message: bytes) -> None:
        key = message[:2] if message and message[0] == 0 else message[:1]
        counts = self._in.get(key)
        if counts is None:
            counts = self._in[key] = [0, 0]
        counts[0] += 1
        counts[1] += len(message)

    def sent(self, message: bytes | memoryview, sockets: int = 1) -> None:
        # bytes(): a key of its own, never a view that would keep a kept frame alive.
        key = bytes(message[:2] if message and message[0] == 0 else message[:1])
        counts = self._out.get(key)
        if counts is None:
            counts = self._out[key] = [0, 0]
        counts[0] += sockets
        counts[1] += sockets * len(message)

    def incoming(self) -> dict[str, tuple[int, int]]:
        """(messages, bytes) received, by kind."""
        return _by_kind(self._in)

    def outgoing(self) -> dict[str, tuple[int, int]]:
        """(messages, bytes) sent (one per socket), by kind."""
        return _by_kind(self._out)


def _by_kind(table: dict[bytes, list[int]]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for key, (messages, size) in list(table.items()):
        kind = message_kind(key)
        known = out.get(kind, (0, 0))
        out[kind] = (known[0] + messages, known[1] + size)
    return out
