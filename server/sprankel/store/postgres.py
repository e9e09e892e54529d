"""The PostgreSQL store: documents and records in PostgreSQL, for several hosts.

Tables (pg_schema.py): ``sprankel_updates`` (the log: one row per appended update),
``sprankel_snapshots`` (one merged update per document, after compaction) and
``sprankel_records`` (JSON records by kind and key). It runs as an ordinary role
that owns its tables; backups, replication and point-in-time recovery are
PostgreSQL's own (docs/scaling.md).

- Appends from every room of the process go through one group commit: those that
  arrive together are one INSERT, one transaction, one WAL flush.
- Compaction, replace and delete of one document take a transaction-level advisory
  lock on the document, so they never interleave (also across processes); appends
  take no lock and are never lost by a compaction, which deletes exactly the rows it
  merged.
- update_record locks the row (SELECT ... FOR UPDATE); when the row is absent, the
  insert of a racing process makes ours conflict and the change runs again.
- When PostgreSQL is unreachable a call fails after the pool's wait (POOL_WAIT_S):
  the room closes its connections with 1011 and the clients send their edits again
  once it is back, as with SQLite.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

from .._redis import safe_url, stop_requested
from .base import JSON, RecordUpdate, Store
from .compaction import Merger
from .group_commit import Batch, GroupCommit
from .pg_schema import LOCK_CLASS, migrate

log = logging.getLogger("sprankel.store")

PROBE_KIND = "_probe"  # the readiness probe's record: written, never read
STARTUP_WAIT_S = 30.0  # as for Redis: PostgreSQL often starts alongside Sprankel
POOL_WAIT_S = 5.0  # a call waits this long for a connection before it fails
RECONNECT_S = 2.0
DOC_LOCK = LOCK_CLASS + 1  # advisory locks of documents: (DOC_LOCK, hashtext(name))
# Above every character a key can hold: the upper end of a prefix's range.
_TOP = "\U0010ffff"
# The errors of the data, not of the connection: one bad update fails only its room.
_BAD_DATA = (psycopg.DataError, psycopg.IntegrityError)


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be reached or used; the message says where and what to check."""


class PostgresStore(Store):
    def __init__(self, url: str, compact_after: int = 500, pool_size: int = 10,
                 startup_wait_s: float = STARTUP_WAIT_S) -> None:
        self._url = url
        self._compact_after = compact_after
        self._pool_size = pool_size
        self._startup_wait_s = startup_wait_s
        self._pool: AsyncConnectionPool[AsyncConnection[TupleRow]] | None = None
        self._commits = GroupCommit(self._write_batch, isolate=_BAD_DATA)
        self._merger = Merger()
        # Updates appended per document since its last compaction, as this process saw them.
        self._log_lengths: dict[str, int] = {}
        self._outage = _Outage(_where(url))

    @property
    def group_commit(self) -> GroupCommit:
        return self._commits

    async def start(self) -> None:
        where = _where(self._url)
        try:
            conninfo_to_dict(self._url)
        except psycopg.ProgrammingError as error:
            reason = _one_line(error)
            password = _password(self._url)
            if password:  # libpq may quote the part it could not read
                reason = reason.replace(password, "***")
            raise PostgresUnavailable(
                f"--database-url {where} is not a PostgreSQL URL ({reason}); "
                "expected postgresql://user:password@host:port/database") from None
        await self._wait_until_reachable(where)
        pool: AsyncConnectionPool[AsyncConnection[TupleRow]] = AsyncConnectionPool(
            self._url, min_size=1, max_size=self._pool_size, open=False, timeout=POOL_WAIT_S,
            kwargs={"autocommit": True, "application_name": "sprankel", "connect_timeout": 5},
            check=AsyncConnectionPool.check_connection, name="sprankel",
            # The pool's own reconnect doubles its pause without a cap (a minute's outage
            # would leave it asleep for another): it gives up soon instead, and the next
            # call that needs a connection starts a fresh attempt at once.
            reconnect_timeout=RECONNECT_S)
        # The pool logs every failed reconnect (two lines each, several a second in an
        # outage); _Outage says it once instead.
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        try:
            await pool.open(wait=True, timeout=self._startup_wait_s)
            async with pool.connection() as conn:
                await _check_encoding(conn, where)
                await migrate(conn)
        except psycopg.errors.InsufficientPrivilege as error:
            await pool.close()
            raise PostgresUnavailable(
                f"PostgreSQL at {where} refused to create Sprankel's tables "
                f"({_one_line(error)}): the role needs CREATE on its schema (docs/scaling.md)"
            ) from None
        except BaseException:
            await pool.close()
            raise
        self._pool = pool
        log.info("postgres store connected to %s", where)

    async def close(self) -> None:
        await self._commits.close()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        await asyncio.to_thread(self._merger.close)

    async def healthy(self) -> bool:
        """True when a small write commits (a read-only standby or a full disk is not ready)."""
        try:
            async with asyncio.timeout(2):
                await self.put_record(PROBE_KIND, "readyz", {"at": time.time()})
        except (psycopg.Error, OSError, TimeoutError, RuntimeError):
            return False
        return True

    # Documents

    async def load(self, name: str) -> list[bytes]:
        # One statement reads snapshot and log from one snapshot of the database, so a
        # compaction committing meanwhile cannot make us miss (or double) anything.
        rows = await self._fetch(
            "SELECT 0::bigint AS id, data FROM sprankel_snapshots WHERE doc = %(doc)s"
            " UNION ALL SELECT id, data FROM sprankel_updates WHERE doc = %(doc)s"
            " ORDER BY id", {"doc": name})
        self._log_lengths[name] = sum(1 for row in rows if row[0] != 0)
        return [bytes(row[1]) for row in rows]

    async def append(self, name: str, update: bytes) -> None:
        await self._commits.append(name, update)
        length = self._log_lengths.get(name, 0) + 1
        self._log_lengths[name] = length
        if length >= self._compact_after:
            await self.compact(name)

    async def _write_batch(self, batch: Batch) -> None:
        async with self._connection() as conn:
            # One statement in autocommit: one transaction for the whole batch.
            await conn.execute(
                "INSERT INTO sprankel_updates (doc, data) SELECT doc, data"
                " FROM unnest(%s::text[], %s::bytea[]) WITH ORDINALITY AS u(doc, data, n)"
                " ORDER BY n", ([name for name, _ in batch], [update for _, update in batch]))

    async def compact(self, name: str) -> None:
        async with self._connection() as conn, conn.transaction():
            await _lock_document(conn, name)
            cursor = await conn.execute(
                "SELECT id, data FROM sprankel_updates WHERE doc = %s ORDER BY id", (name,))
            rows = await cursor.fetchall()
            if rows:
                cursor = await conn.execute(
                    "SELECT data FROM sprankel_snapshots WHERE doc = %s", (name,))
                snapshot = await cursor.fetchone()
                parts = ([bytes(snapshot[0])] if snapshot else []) + [bytes(r[1]) for r in rows]
                # Through a Doc, so deleted content leaves the table (compact_updates).
                merged = await self._merger.merge(parts)
                await _put_snapshot(conn, name, merged)
                # Exactly the rows merged: an append that committed meanwhile stays.
                await conn.execute("DELETE FROM sprankel_updates WHERE id = ANY(%s)",
                                   ([r[0] for r in rows],))
        self._log_lengths[name] = 0

    async def replace(self, name: str, snapshot: bytes) -> None:
        async with self._connection() as conn, conn.transaction():
            await _lock_document(conn, name)
            await conn.execute("DELETE FROM sprankel_updates WHERE doc = %s", (name,))
            if snapshot:
                await _put_snapshot(conn, name, snapshot)
            else:
                await conn.execute("DELETE FROM sprankel_snapshots WHERE doc = %s", (name,))
        self._log_lengths[name] = 0

    async def delete(self, name: str) -> None:
        async with self._connection() as conn, conn.transaction():
            await _lock_document(conn, name)
            await conn.execute("DELETE FROM sprankel_updates WHERE doc = %s", (name,))
            await conn.execute("DELETE FROM sprankel_snapshots WHERE doc = %s", (name,))
        self._log_lengths.pop(name, None)

    # Records

    async def get_record(self, kind: str, key: str) -> JSON | None:
        rows = await self._fetch(
            "SELECT data FROM sprankel_records WHERE kind = %s AND key = %s", (kind, key))
        return _decode(rows[0][0]) if rows else None

    async def put_record(self, kind: str, key: str, value: JSON) -> None:
        async with self._connection() as conn:
            await _put_record(conn, kind, key, value)

    async def update_record(self, kind: str, key: str, change: RecordUpdate) -> JSON | None:
        while True:
            async with self._connection() as conn, conn.transaction():
                cursor = await conn.execute(
                    "SELECT data FROM sprankel_records WHERE kind = %s AND key = %s FOR UPDATE",
                    (kind, key))
                row = await cursor.fetchone()
                new = change(None if row is None else _decode(row[0]))
                if row is not None:
                    if new is None:
                        await _delete_record(conn, kind, key)
                    else:
                        await _put_record(conn, kind, key, new)
                    return new
                if new is None:
                    return None
                cursor = await conn.execute(
                    "INSERT INTO sprankel_records (kind, key, data) VALUES (%s, %s, %s)"
                    " ON CONFLICT DO NOTHING", (kind, key, _encode(new)))
                if cursor.rowcount == 1:
                    return new
            # Another process created it between our read and our insert: read it again.

    async def delete_record(self, kind: str, key: str) -> None:
        async with self._connection() as conn:
            await _delete_record(conn, kind, key)

    async def list_records(self, kind: str, prefix: str = "") -> dict[str, JSON]:
        if prefix:
            # Keys compare byte by byte (collation "C"): those with the prefix are one
            # range of the primary key.
            rows = await self._fetch(
                "SELECT key, data FROM sprankel_records"
                " WHERE kind = %s AND key >= %s AND key < %s ORDER BY key",
                (kind, prefix, prefix + _TOP))
        else:
            rows = await self._fetch(
                "SELECT key, data FROM sprankel_records WHERE kind = %s ORDER BY key", (kind,))
        return {str(key): _decode(data) for key, data in rows}

    # Helpers

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection[TupleRow]]:
        if self._pool is None:
            raise RuntimeError("the store is not started")
        try:
            async with self._pool.connection() as conn:
                yield conn
        except psycopg.OperationalError as error:
            self._outage.failed(error)
            raise
        self._outage.ended()

    async def _fetch(self, query: Any, params: Any) -> list[TupleRow]:
        async with self._connection() as conn:
            cursor = await conn.execute(query, params)
            return await cursor.fetchall()

    async def _wait_until_reachable(self, where: str) -> None:
        """Connect until PostgreSQL answers, one log line per attempt, as for Redis."""
        deadline = time.monotonic() + self._startup_wait_s
        while True:
            try:
                conn = await AsyncConnection.connect(self._url, connect_timeout=2,
                                                     application_name="sprankel")
            except psycopg.OperationalError as error:
                if stop_requested():
                    raise PostgresUnavailable(
                        f"stopped while waiting for PostgreSQL at {where}") from None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PostgresUnavailable(
                        f"PostgreSQL at {where} did not accept a connection for "
                        f"{self._startup_wait_s:.0f} s ({_one_line(error)}). Check "
                        "--database-url (host, role, password, database) and that "
                        "PostgreSQL is running.") from None
                log.warning("postgres store waiting for PostgreSQL at %s: %s (giving up in "
                            "%.0f s)", where, _one_line(error), remaining)
                await asyncio.sleep(min(1.0, remaining))
                continue
            await conn.close()
            return


class _Outage:
    """Logs one line when PostgreSQL stops answering and one when it is back."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.since: float | None = None

    def failed(self, error: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("postgres store lost PostgreSQL at %s (%s): changed documents close "
                        "with 1011 and clients resend once it is back", self.where,
                        _one_line(error))

    def ended(self) -> None:
        if self.since is not None:
            log.warning("postgres store reached PostgreSQL at %s again after %.1f s",
                        self.where, time.monotonic() - self.since)
            self.since = None


async def _check_encoding(conn: AsyncConnection[TupleRow], where: str) -> None:
    cursor = await conn.execute("SHOW server_encoding")
    row = await cursor.fetchone()
    if row is None or row[0] != "UTF8":
        raise PostgresUnavailable(
            f"the database at {where} has encoding {row[0] if row else '?'}; Sprankel needs "
            "UTF8 (CREATE DATABASE ... ENCODING 'UTF8')")


async def _lock_document(conn: AsyncConnection[TupleRow], name: str) -> None:
    # Until the transaction ends. Two names with the same hash share a lock: harmless.
    await conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (DOC_LOCK, name))


async def _put_snapshot(conn: AsyncConnection[TupleRow], name: str, data: bytes) -> None:
    await conn.execute(
        "INSERT INTO sprankel_snapshots (doc, data) VALUES (%s, %s)"
        " ON CONFLICT (doc) DO UPDATE SET data = EXCLUDED.data", (name, data))


async def _put_record(conn: AsyncConnection[TupleRow], kind: str, key: str, value: JSON) -> None:
    await conn.execute(
        "INSERT INTO sprankel_records (kind, key, data) VALUES (%s, %s, %s)"
        " ON CONFLICT (kind, key) DO UPDATE SET data = EXCLUDED.data",
        (kind, key, _encode(value)))


async def _delete_record(conn: AsyncConnection[TupleRow], kind: str, key: str) -> None:
    await conn.execute("DELETE FROM sprankel_records WHERE kind = %s AND key = %s", (kind, key))


def _encode(value: JSON) -> str:
    # Text, not jsonb: the same bytes as the other stores, and jsonb refuses \u0000.
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _decode(raw: object) -> JSON:
    assert isinstance(raw, str), raw
    return dict(json.loads(raw))


def _where(url: str) -> str:
    """The URL for the log, without its password (also when it cannot be parsed)."""
    try:
        return safe_url(url)
    except ValueError:  # a port that is not a number, say
        password = _password(url)
        return url.replace(password, "***") if password else url


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
