"""What the Redis broker and the Redis store share: connecting, waiting, and noticing faults.

Redis faults never crash a process. Every loop that talks to Redis reports to a
`Link`, which logs one line when Redis stops answering and one when it is back,
instead of one traceback per failed command.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import AuthenticationError, RedisClusterException, RedisError, ResponseError
from redis.retry import Retry

from .config import Settings

log = logging.getLogger("sprankel.redis")

# What a Redis call raises when Redis is down, restarting, slow or refusing work (a
# cluster that cannot be reached raises RedisClusterException, which is no RedisError).
# AttributeError: redis-py's cluster client closes every connection it holds when it sees the
# cluster down (a failover), also connections other tasks are writing on at that moment; such
# a write fails with "'NoneType' object has no attribute 'writelines'". That is one more failed
# call, which the caller's loop retries; it ended the cluster's stream reader, whose document
# was then never read again on that process.
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    RedisError, RedisClusterException, OSError, TimeoutError, AttributeError,
)

# A single Redis or a Redis Cluster: both offer the commands Sprankel uses.
Client = Redis | RedisCluster

# Seconds a process waits for Redis at start-up before it refuses to start.
STARTUP_WAIT_S = 30.0


class RedisUnavailable(RuntimeError):
    """Redis did not answer in time; the message says where and what to check."""


# Set from a signal handler when the process is asked to stop: a start-up that is
# still waiting for Redis then gives up at once instead of after STARTUP_WAIT_S.
_stop_waiting = threading.Event()


def stop_waiting() -> None:
    _stop_waiting.set()


def stop_requested() -> bool:
    """True once stop_waiting() was called (the PostgreSQL store's start-up asks too)."""
    return _stop_waiting.is_set()


def safe_url(url: str) -> str:
    """The URL without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, ""))


@dataclass(frozen=True)
class RedisTarget:
    """Where Redis is and how to reach it: the URL (``redis://user:password@host:port/0``,
    ``rediss://`` for TLS), whether it is a Redis Cluster, and the TLS files."""

    url: str
    cluster: bool = False
    ca_file: str | None = None  # the CA that signed Redis's certificate (rediss://)
    cert_file: str | None = None  # a client certificate, when Redis asks for one
    key_file: str | None = None

    @classmethod
    def of(cls, target: RedisTarget | str) -> RedisTarget:
        return target if isinstance(target, RedisTarget) else cls(target)

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisTarget:
        assert settings.redis_url is not None
        return cls(settings.redis_url, settings.redis_cluster, settings.redis_ca_file,
                   settings.redis_cert_file, settings.redis_key_file)

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme == "rediss"

    @property
    def safe_url(self) -> str:
        return safe_url(self.url)


def connect(target: RedisTarget | str, socket_timeout: float = 5.0) -> Client:
    target = RedisTarget.of(target)
    options: dict[str, Any] = {
        "socket_connect_timeout": 2.0,
        "socket_timeout": socket_timeout,
    }
    if target.tls:
        options.update(ssl_ca_certs=target.ca_file, ssl_certfile=target.cert_file,
                       ssl_keyfile=target.key_file, ssl_cert_reqs="required")
    if target.cluster:
        # A few quick retries ride out a failover (the client re-reads the slot map
        # after a MOVED or a lost node); longer outages are the callers' loops' work.
        return RedisCluster.from_url(
            target.url, retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3), **options,
        )
    # One quick retry reconnects a pooled connection that went stale while Redis
    # restarted; longer outages are handled by the callers' own loops.
    return Redis.from_url(
        target.url, retry=Retry(NoBackoff(), 1), health_check_interval=0, **options,
    )


def refusal(error: BaseException, target: RedisTarget) -> str | None:
    """What to fix when Redis answers but refuses us (login, TLS); None for other faults.

    Waiting does not repair these, but the start-up wait still runs its course (a
    password rotated in Redis and in the secret store may arrive a little apart).
    """
    text = str(error)
    if isinstance(error, AuthenticationError) or "no permissions" in text or (
        isinstance(error, ResponseError)
        and text.startswith(("WRONGPASS", "NOAUTH", "NOPERM", "invalid username-password"))
    ):
        return (f"Redis at {target.safe_url} refused the login ({text}): check the user "
                "name and password in REDIS_URL and that the user exists and is on, with "
                "the ACL rules of docs/scaling.md.")
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError) or "SSL" in str(cause):
            return (f"TLS with Redis at {target.safe_url} failed ({cause}): check "
                    "--redis-ca-file (the CA that signed Redis's certificate), "
                    "--redis-cert-file and --redis-key-file if Redis asks for a client "
                    "certificate, and that REDIS_URL starts with rediss:// only for a TLS port.")
        cause = cause.__cause__ or cause.__context__
    return None


async def wait_until_reachable(client: Client, target: RedisTarget | str, who: str,
                               wait_s: float) -> None:
    """Ping until Redis answers, logging each attempt; RedisUnavailable after wait_s.

    A refusal (a wrong password, an untrusted certificate) is logged once, clearly,
    and is the message of the RedisUnavailable at the end of the wait.
    """
    target = RedisTarget.of(target)
    url = target.safe_url
    deadline = time.monotonic() + wait_s
    refused: str | None = None
    while True:
        try:
            await client.ping()
            return
        except REDIS_ERRORS as error:
            if _stop_waiting.is_set():
                raise RedisUnavailable(f"stopped while waiting for Redis at {url}") from error
            reason = refusal(error, target)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RedisUnavailable(
                    f"{reason} Gave up after {wait_s:.0f} s." if reason else
                    f"Redis at {url} did not answer for {wait_s:.0f} s ({error}). "
                    "Check REDIS_URL and that Redis is running."
                ) from error
            if reason is None:
                log.warning("%s waiting for Redis at %s: %s (giving up in %.0f s)",
                            who, url, error, remaining)
            elif reason != refused:
                log.error("%s cannot use Redis: %s Retrying for %.0f s, then giving up.",
                          who, reason, remaining)
            refused = reason
            await asyncio.sleep(min(1.0, remaining))


class Health:
    """Redis faults of this process, for /metrics: every Link reports here."""

    def __init__(self) -> None:
        self.reconnects = 0  # outages that ended (a component reached Redis again)
        self.outage_s = 0.0  # seconds components spent without Redis, ended outages
        self.links: weakref.WeakSet[Link] = weakref.WeakSet()

    def down_s(self, now: float | None = None) -> float:
        """Seconds of outages still going on, over every component that is down now."""
        now = time.monotonic() if now is None else now
        return sum(now - link.down_since for link in list(self.links)
                   if link.down_since is not None)

    @property
    def components_down(self) -> int:
        return sum(1 for link in list(self.links) if link.down_since is not None)


HEALTH = Health()  # one per process, as the Redis connections are


class Link:
    """Whether Redis answers, as seen by one component; logs each change once.

    A single failure that the next attempt repairs (a pooled connection that went
    stale while Redis restarted) is not worth a line: an outage is reported once it
    has lasted QUIET_S, and its end only when its start was reported.
    """

    QUIET_S = 0.5

    def __init__(self, who: str, url: str) -> None:
        self.who = who
        self.url = safe_url(url)
        self.down_since: float | None = None
        self.reported = False
        HEALTH.links.add(self)

    @property
    def up(self) -> bool:
        return self.down_since is None

    def failed(self, doing: str, error: BaseException) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
        if self.reported or now - self.down_since < self.QUIET_S:
            return
        self.reported = True
        log.warning(
            "%s lost Redis at %s while %s (%s): local clients are still served; retrying",
            self.who, self.url, doing, error or type(error).__name__,
        )

    def ok(self) -> bool:
        """Record a success; True when this ends an outage (reported or not)."""
        if self.down_since is None:
            return False
        HEALTH.reconnects += 1
        HEALTH.outage_s += time.monotonic() - self.down_since
        if self.reported:
            log.warning("%s reached Redis again after %.1f s: catching up",
                        self.who, time.monotonic() - self.down_since)
        self.down_since = None
        self.reported = False
        return True


class Backoff:
    """Growing pauses between retries, capped low so recovery is quick."""

    def __init__(self, first: float = 0.05, cap: float = 1.0) -> None:
        self.first = first
        self.cap = cap
        self.delay = first

    def reset(self) -> None:
        self.delay = self.first

    async def sleep(self) -> None:
        await asyncio.sleep(self.delay * (0.5 + random.random() / 2))
        self.delay = min(self.cap, self.delay * 2)
