"""`sprankel export SESSION_ID`: a session's results from the store, without a running server.

`--format zip` writes the archive package (archive.py), with the audit trail: whoever
runs the command reads the data folder, so they may read the trail too.

Reading is safe while a server runs on the same data: SQLite in WAL mode lets a
reader in beside the writer, and the server stores every update before it sends it
on, so the store holds what every client has seen.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from ..config import Settings
from ..store import Store
from . import FORMATS, render
from .archive import render_archive
from .collect import SessionNotFound, collect
from .markdown import UnknownTimezone, timezone
from .sources import StoreSource

EXIT_OK = 0
EXIT_NOT_FOUND = 1  # also: no data folder, or a store that cannot be read
EXIT_USAGE = 2

REDIS_WAIT_S = 5.0  # Redis or PostgreSQL


class _NoData(Exception):
    pass


class _Unreadable(Exception):
    pass


def _open_store(settings: Settings) -> Store:
    if settings.store == "redis":
        if not settings.redis_url:
            raise _NoData("--store redis needs REDIS_URL.")
        from .._redis import RedisTarget
        from ..store.redis import RedisStore

        # A command should say soon that Redis is not there, not wait as long as a server.
        return RedisStore(RedisTarget.from_settings(settings), startup_wait_s=REDIS_WAIT_S)
    if settings.store == "postgres":
        if not settings.database_url:
            raise _NoData("--store postgres needs DATABASE_URL.")
        from ..store.postgres import PostgresStore

        return PostgresStore(settings.database_url, startup_wait_s=REDIS_WAIT_S)
    if not settings.database_path.exists():
        # Never create an empty database where the user expected their data.
        raise _NoData(
            f"no Sprankel data in {settings.data_dir}/ (looked for {settings.database_path}); "
            "pass the server's --data-dir."
        )
    from ..store.sqlite import SQLiteStore

    return SQLiteStore(settings.database_path)


COMMAND_FORMATS = (*FORMATS, "zip")


async def export_text(settings: Settings, session_id: str, fmt: str,
                      tz: str | None = None) -> str | bytes:
    """The export as text (the zip as bytes), read from the store the settings name; times
    in `tz`, else the session's own time zone (settings.timezone), else UTC."""
    store = _open_store(settings)
    try:
        await store.start()
    # RedisUnavailable and PostgresUnavailable are RuntimeErrors.
    except (RuntimeError, OSError, sqlite3.Error) as error:
        raise _Unreadable(str(error)) from error
    try:
        model = await collect(StoreSource(store), session_id)
    finally:
        await store.close()
    zone = tz or model.meta.timezone
    if fmt == "zip":
        return render_archive(model, settings.archive_creator, zone)
    return render(model, fmt, zone)


def run_export(settings: Settings, session_id: str, fmt: str, out: Path | None,
               tz: str | None = None, *, stdout: TextIO | None = None,
               stderr: TextIO | None = None) -> int:
    """Write the export to `out` (or standard output); returns the process exit code."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if fmt not in COMMAND_FORMATS:
        print(f"sprankel: unknown format {fmt!r}; use one of {', '.join(COMMAND_FORMATS)}",
              file=stderr)
        return EXIT_USAGE
    try:
        timezone(tz)
        text = asyncio.run(export_text(settings, session_id, fmt, tz))
    except UnknownTimezone as error:
        print(f"sprankel: {error}", file=stderr)
        return EXIT_USAGE
    except (SessionNotFound, _NoData) as error:
        print(f"sprankel: {error}", file=stderr)
        return EXIT_NOT_FOUND
    except (_Unreadable, sqlite3.Error) as error:
        print(f"sprankel: cannot read the store: {error}", file=stderr)
        return EXIT_NOT_FOUND
    if isinstance(text, bytes):
        return _write_bytes(text, out, stdout, stderr)
    if out is None:
        stdout.write(text)
        stdout.flush()
        return EXIT_OK
    # newline="" keeps the CSV's CRLF line ends as they are.
    out.write_text(text, encoding="utf-8", newline="")
    print(f"sprankel: wrote {out} ({len(text.encode())} bytes)", file=stderr)
    return EXIT_OK


def _write_bytes(data: bytes, out: Path | None, stdout: TextIO, stderr: TextIO) -> int:
    if out is None:
        binary = getattr(stdout, "buffer", None)
        if binary is None or stdout.isatty():
            # A zip on a terminal is noise (and a text stream cannot carry it).
            print("sprankel: --format zip needs -o FILE or standard output to a file or pipe",
                  file=stderr)
            return EXIT_USAGE
        binary.write(data)
        binary.flush()
        return EXIT_OK
    out.write_bytes(data)
    print(f"sprankel: wrote {out} ({len(data)} bytes)", file=stderr)
    return EXIT_OK
