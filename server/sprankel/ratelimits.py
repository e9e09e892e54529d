"""Limits on what one client may ask of one process: rates (token buckets) and counts.

Every limit is per process (with ``--workers N`` a client may reach N times the
limit) and keyed by the client's address as the app sees it (see
``--trusted-proxies``); IPv6 clients are keyed by their /64 network, since one
host commonly holds a whole /64. Memory is bounded: a bucket that has refilled is
the same as no bucket and is dropped, and a table never holds more than
``MAX_KEYS`` keys (beyond that the least recently used go first).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .config import Settings

MAX_KEYS = 50_000  # about 100 bytes each
REACTION_BURST = 10  # reactions at once, before --reactions-per-minute applies

Clock = Callable[[], float]

_last_warning: dict[str, float] = {}


def client_key(host: str | None) -> str:
    """The key of a client address: the address itself, or its /64 for IPv6."""
    if not host:
        return "-"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


# Every refusal by a limit, by the limit's name (metrics.py reads it): each one passes
# warn_now_and_then, which logs only some of them.
REFUSALS: Counter[str] = Counter()


def warn_now_and_then(log: logging.Logger, limit: str, message: str, *args: object) -> None:
    """Counts a refusal by `limit`; one warning per limit every 10 s: a flood must not
    become a flood of log lines."""
    REFUSALS[limit] += 1
    now = time.monotonic()
    if now - _last_warning.get(limit, -math.inf) >= 10.0:
        _last_warning[limit] = now
        log.warning(message, *args)


class TokenBucket:
    """At most ``capacity`` at once, refilled at ``per_second``."""

    __slots__ = ("capacity", "clock", "per_second", "stamp", "tokens")

    def __init__(self, capacity: float, per_second: float, clock: Clock = time.monotonic
                 ) -> None:
        self.capacity, self.per_second, self.clock = capacity, per_second, clock
        self.tokens = capacity
        self.stamp = clock()

    def take(self) -> float:
        """0 if one was taken, else the seconds until one is available."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


class RateLimiter:
    """Token buckets by key: a burst of ``per_minute`` (or ``burst``), refilled at
    ``per_minute`` a minute.

    ``per_minute`` 0 turns the limit off.
    """

    def __init__(self, per_minute: int, clock: Clock = time.monotonic,
                 max_keys: int = MAX_KEYS, burst: int | None = None) -> None:
        self.per_minute = per_minute
        self.burst = burst or per_minute
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str) -> int:
        """0 if allowed, else the whole seconds to wait (at least 1), for Retry-After."""
        if self.per_minute <= 0:
            return 0
        self._forget_idle()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = TokenBucket(self.burst, self.per_minute / 60.0, self.clock)
        self._buckets[key] = bucket  # most recently used last
        wait = bucket.take()
        return 0 if wait == 0 else max(1, math.ceil(wait))

    def __len__(self) -> int:
        return len(self._buckets)

    def _forget_idle(self) -> None:
        # Oldest use first; a bucket untouched until it refilled is the same as none.
        full_after = 60.0 * max(1.0, self.burst / self.per_minute)
        now = self.clock()
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.stamp < full_after and len(self._buckets) < self.max_keys:
                break
            self._buckets.popitem(last=False)


class ConcurrencyLimit:
    """How many of something are open at once, by key; ``limit`` 0 turns it off."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        count = self._open.get(key, 0)
        if 0 < self.limit <= count:
            return False
        self._open[key] = count + 1
        return True

    def release(self, key: str) -> None:
        count = self._open.get(key, 0) - 1
        if count > 0:
            self._open[key] = count
        else:
            self._open.pop(key, None)

    def count(self, key: str) -> int:
        return self._open.get(key, 0)


@dataclass(frozen=True)
class SocketLimits:
    """The document WebSockets: open at once per address and per document, and the
    messages a second one connection may send (0: no limit)."""

    per_address: ConcurrencyLimit
    per_document: ConcurrencyLimit
    messages_per_s: int

    def message_bucket(self) -> TokenBucket | None:
        if self.messages_per_s <= 0:
            return None
        return TokenBucket(self.messages_per_s, self.messages_per_s)

    @classmethod
    def unlimited(cls) -> SocketLimits:
        return cls(ConcurrencyLimit(0), ConcurrencyLimit(0), 0)


@dataclass(frozen=True)
class Limits:
    """Every request limit of one process, built once from the settings."""

    sessions: RateLimiter  # sessions created, per address
    spaces: RateLimiter  # Koffiehoek spaces created, per address
    joins: RateLimiter  # join attempts with a code, right or wrong, per address
    joins_per_session: RateLimiter  # the same, per session (guessing from many addresses)
    members: RateLimiter  # Koffiehoek members created, per address
    members_per_space: RateLimiter
    sockets: SocketLimits
    logins: RateLimiter  # logins started (/login), per address
    reactions: RateLimiter  # reactions sent, per participant

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        s = settings
        return cls(
            sessions=RateLimiter(s.sessions_per_minute),
            spaces=RateLimiter(s.spaces_per_minute),
            joins=RateLimiter(s.joins_per_minute),
            joins_per_session=RateLimiter(s.joins_per_session_per_minute),
            members=RateLimiter(s.members_per_minute),
            members_per_space=RateLimiter(s.members_per_space_per_minute),
            sockets=SocketLimits(ConcurrencyLimit(s.ws_per_address),
                                 ConcurrencyLimit(s.ws_per_document), s.ws_messages_per_s),
            logins=RateLimiter(s.logins_per_minute),
            reactions=RateLimiter(s.reactions_per_minute, burst=REACTION_BURST),
        )
