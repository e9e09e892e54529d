"""The default store: one SQLite file in WAL mode, used from one worker thread.

SQLite has one writer at a time anyway, so a single thread serialises the work
without locks and keeps the event loop free. Appends of every room go through one
group commit (group_commit.py): those queued in one loop turn, or while the thread
is busy, are one executor call and one transaction in that thread. Compaction
reads the log in that thread, merges it off the loop (compaction.py: a child
process for a big document) without holding the thread, and then replaces exactly
the rows it merged, unless another compaction, a replace or a delete came first.
A log that reaches ``compact_after`` is compacted in the background: the append
that reached it does not wait.
``synchronous=NORMAL`` in WAL mode survives a crash of the process (the usual
failure); a power cut may lose the last moments, which an operator who needs more
can rule out with the Redis store and ``appendfsync always``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..datadir import FILE_MODE, FOLDER_MODE, make_private
from .base import JSON, RecordUpdate, Store
from .compaction import Merger
from .group_commit import Batch, GroupCommit

T = TypeVar("T")

log = logging.getLogger("sprankel.store")

PROBE_KIND = "_probe"  # the readiness probe's record: written, never read

_SCHEMA = """
CREATE TABLE IF NOT EXISTS updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_by_doc ON updates (doc, id);
CREATE TABLE IF NOT EXISTS snapshots (
    doc TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


class SQLiteStore(Store):
    def __init__(self, path: Path, compact_after: int = 500, merger: Merger | None = None
                 ) -> None:
        self._path = path
        self._compact_after = compact_after
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        # Updates appended per document since its last compaction, as this process saw them.
        self._log_lengths: dict[str, int] = {}
        self._commits = GroupCommit(self._write_batch)
        self._merger = merger or Merger()
        self._compactions: dict[str, asyncio.Task[None]] = {}  # in the background, by doc

    @property
    def group_commit(self) -> GroupCommit:
        return self._commits

    @property
    def merger(self) -> Merger:
        return self._merger

    async def start(self) -> None:
        self._path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sprankel-sqlite")
        await asyncio.get_running_loop().run_in_executor(self._executor, self._open)

    async def close(self) -> None:
        if self._executor is None:
            return
        await self._commits.close()
        if self._compactions:
            await asyncio.gather(*self._compactions.values(), return_exceptions=True)
        await self._run(self._close_db)
        await asyncio.to_thread(self._merger.close)
        self._executor.shutdown(wait=True)
        self._executor = None

    async def healthy(self) -> bool:
        """True when a small write commits: a full disk or a file that turned read-only
        answers reads but not writes, and is not ready."""

        def probe(db: sqlite3.Connection) -> None:
            with _transaction(db):
                _put_record(db, PROBE_KIND, "readyz", {"at": time.time()})

        try:
            await self._run(probe)
        except (sqlite3.Error, RuntimeError):
            return False
        return True

    # Documents

    async def load(self, name: str) -> list[bytes]:
        def load(db: sqlite3.Connection) -> list[bytes]:
            with _transaction(db, "BEGIN"):  # one consistent read of snapshot and log
                snapshot = db.execute(
                    "SELECT data FROM snapshots WHERE doc = ?", (name,)
                ).fetchone()
                rows = db.execute(
                    "SELECT data FROM updates WHERE doc = ? ORDER BY id", (name,)
                ).fetchall()
            updates = [bytes(r[0]) for r in rows]
            self._log_lengths[name] = len(updates)
            return ([bytes(snapshot[0])] if snapshot else []) + updates

        return await self._run(load)

    async def append(self, name: str, update: bytes) -> None:
        await self._commits.append(name, update)

    async def _write_batch(self, batch: Batch) -> None:
        def write(db: sqlite3.Connection) -> None:
            with _transaction(db):  # all of the batch or, when it raises, none of it
                db.executemany("INSERT INTO updates (doc, data) VALUES (?, ?)", batch)

        await self._run(write)
        for name, added in Counter(name for name, _ in batch).items():
            length = self._log_lengths.get(name, 0) + added
            self._log_lengths[name] = length
            if length >= self._compact_after and name not in self._compactions:
                self._compactions[name] = asyncio.create_task(
                    self._compact_in_background(name), name=f"compact {name}")

    async def _compact_in_background(self, name: str) -> None:
        try:
            await self.compact(name)
        except Exception:  # the appends are committed: a failure only leaves a longer log
            log.exception("compaction failed doc=%s", name)
        finally:
            self._compactions.pop(name, None)

    async def compact(self, name: str) -> None:
        read = await self._run(lambda db: _read_log(db, name))
        if read is None:
            self._log_lengths[name] = 0
            return
        snapshot, ids, parts = read
        merged = await self._merger.merge(parts)

        def write(db: sqlite3.Connection) -> bool:
            with _transaction(db):
                # Appends only add rows after ours; another compaction, a replace or a
                # delete changed the snapshot or took rows: theirs stands, ours is dropped.
                if (_snapshot(db, name) != snapshot
                        or _count_rows(db, name, ids[-1]) != len(ids)):
                    return False
                db.execute("INSERT OR REPLACE INTO snapshots (doc, data) VALUES (?, ?)",
                           (name, merged))
                db.execute("DELETE FROM updates WHERE doc = ? AND id <= ?", (name, ids[-1]))
                return True

        if await self._run(write):
            self._log_lengths[name] = max(0, self._log_lengths.get(name, 0) - len(ids))

    async def replace(self, name: str, snapshot: bytes) -> None:
        def replace(db: sqlite3.Connection) -> None:
            with _transaction(db):
                db.execute("DELETE FROM updates WHERE doc = ?", (name,))
                if snapshot:
                    db.execute(
                        "INSERT OR REPLACE INTO snapshots (doc, data) VALUES (?, ?)",
                        (name, snapshot),
                    )
                else:
                    db.execute("DELETE FROM snapshots WHERE doc = ?", (name,))
            self._log_lengths[name] = 0

        await self._run(replace)

    async def delete(self, name: str) -> None:
        def delete(db: sqlite3.Connection) -> None:
            with _transaction(db):
                db.execute("DELETE FROM updates WHERE doc = ?", (name,))
                db.execute("DELETE FROM snapshots WHERE doc = ?", (name,))
            self._log_lengths.pop(name, None)

        await self._run(delete)

    async def erase_freed(self) -> None:
        """secure_delete has zeroed the deleted rows in the database pages; the old page
        images still sit in the write-ahead log until a checkpoint copies the pages back and
        TRUNCATE empties the log file."""

        def checkpoint(db: sqlite3.Connection) -> None:
            busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                # Another process reads an old snapshot: the next checkpoint finishes it.
                log.warning("WAL checkpoint after a deletion was blocked by a reader")

        await self._run(checkpoint)

    # Records

    async def get_record(self, kind: str, key: str) -> JSON | None:
        return await self._run(lambda db: _get_record(db, kind, key))

    async def put_record(self, kind: str, key: str, value: JSON) -> None:
        await self._run(lambda db: _put_record(db, kind, key, value))

    async def update_record(self, kind: str, key: str, change: RecordUpdate) -> JSON | None:
        def update(db: sqlite3.Connection) -> JSON | None:
            # IMMEDIATE takes the write lock first, so other processes wait instead of racing.
            with _transaction(db):
                new = change(_get_record(db, kind, key))
                if new is None:
                    db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))
                else:
                    _put_record(db, kind, key, new)
                return new

        return await self._run(update)

    async def delete_record(self, kind: str, key: str) -> None:
        await self._run(
            lambda db: db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))
        )

    async def list_records(self, kind: str, prefix: str = "") -> dict[str, JSON]:
        def list_(db: sqlite3.Connection) -> dict[str, JSON]:
            rows = db.execute(
                "SELECT key, data FROM records"
                " WHERE kind = ? AND substr(key, 1, ?) = ? ORDER BY key",
                (kind, len(prefix), prefix),
            ).fetchall()
            return {key: json.loads(data) for key, data in rows}

        return await self._run(list_)

    # The worker thread

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._executor is None:
            raise RuntimeError("the store is not started")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, work)

    def _call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        assert self._db is not None
        return work(self._db)

    def _open(self) -> None:
        # Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the
        # mode of the database. Files of an older version are made private too.
        os.close(os.open(self._path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        make_private(self._path)
        # Other processes share the file, also while they start: the busy timeout comes
        # first, so that switching to WAL waits for them instead of failing "locked".
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False,
                             timeout=10)
        db.execute("PRAGMA busy_timeout=10000")
        _switch_to_wal(db)
        db.execute("PRAGMA synchronous=NORMAL")
        # Overwrite deleted rows: compacted-away text must not linger in free pages.
        db.execute("PRAGMA secure_delete=ON")
        db.executescript(_SCHEMA)
        for suffix in ("-wal", "-shm"):
            make_private(self._path.with_name(self._path.name + suffix))
        self._db = db

    def _close_db(self, db: sqlite3.Connection) -> None:
        db.close()
        self._db = None

class _transaction:
    """BEGIN ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> None:
        self._db = db
        self._begin = begin

    def __enter__(self) -> None:
        self._db.execute(self._begin)

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if error is not None else "COMMIT")


def _snapshot(db: sqlite3.Connection, name: str) -> bytes | None:
    row = db.execute("SELECT data FROM snapshots WHERE doc = ?", (name,)).fetchone()
    return None if row is None else bytes(row[0])


def _count_rows(db: sqlite3.Connection, name: str, last: int) -> int:
    row = db.execute("SELECT COUNT(*) FROM updates WHERE doc = ? AND id <= ?",
                     (name, last)).fetchone()
    return int(row[0])


def _read_log(db: sqlite3.Connection, name: str
              ) -> tuple[bytes | None, list[int], list[bytes]] | None:
    """The snapshot, the ids of the logged rows and the parts to merge; None: no log."""
    with _transaction(db, "BEGIN"):  # one consistent read of snapshot and log
        snapshot = _snapshot(db, name)
        rows = db.execute("SELECT id, data FROM updates WHERE doc = ? ORDER BY id",
                          (name,)).fetchall()
    if not rows:
        return None
    parts = ([snapshot] if snapshot is not None else []) + [bytes(r[1]) for r in rows]
    return snapshot, [int(r[0]) for r in rows], parts


def _get_record(db: sqlite3.Connection, kind: str, key: str) -> JSON | None:
    row = db.execute("SELECT data FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def _put_record(db: sqlite3.Connection, kind: str, key: str, value: JSON) -> None:
    db.execute(
        "INSERT OR REPLACE INTO records (kind, key, data) VALUES (?, ?, ?)",
        (kind, key, json.dumps(value, separators=(",", ":"), sort_keys=True)),
    )


def _switch_to_wal(db: sqlite3.Connection, attempts: int = 100) -> None:
    """WAL mode; processes that open a new database together may find it locked for a
    moment, and SQLite does not wait on its busy handler for this switch: try again."""
    for attempt in range(attempts):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.1)
