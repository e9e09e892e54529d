"""`sprankel admin backup FILE` and `restore FILE` for the SQLite store.

The backup uses SQLite's online backup API: it copies the database page by page under
a read transaction, so the copy is consistent (one moment of the database) while the
server keeps writing, and it takes the WAL's content into account. A restore refuses
to run while a server uses the data folder (its open connection would keep the old
pages), checks that the file is a Sprankel database, and copies it in the same way.
For the Redis store, Redis's own persistence (RDB snapshots, AOF) is the backup.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from ..datadir import FILE_MODE, make_private

_TABLES = {"updates", "snapshots", "records"}


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


def backup(database: Path, target: Path) -> int:
    """Copy the live database to target (0600, replaced atomically); returns its size."""
    if not database.exists():
        raise BackupError(f"no database at {database}: pass the server's --data-dir")
    tmp = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.close(os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE))
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as src, \
                contextlib.closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return target.stat().st_size


def check_backup(source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            ok = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not a SQLite database: {error}") from None
    if _TABLES - tables:
        raise BackupError(f"{source} is not a Sprankel database (it lacks the tables "
                          f"{', '.join(sorted(_TABLES - tables))})")
    if ok != "ok":
        raise BackupError(f"{source} is damaged: {ok}")


def restore(source: Path, database: Path) -> None:
    """Replace the database's content by the backup's (no server may be running)."""
    check_backup(source)
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, FILE_MODE))
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
            contextlib.closing(sqlite3.connect(database, timeout=30)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        make_private(database.with_name(database.name + suffix))
