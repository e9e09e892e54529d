"""`sprankel admin ...`: list, show, delete and purge sessions, compact, back up, restore.

Reading commands (sessions, show) and compact read the store directly; that is safe
while a server runs. A deletion must also reach a running server, which holds open
documents in memory and would write them back: when a server runs on this data folder
(``admin.json`` names a live process) the command asks it through its admin API
(api/admin.py: loopback only, with the token of the data folder); otherwise it deletes
through the store itself, with the broker of the settings (with REDIS_URL, the
processes on other hosts hear of it as of any deletion).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

from ..config import Settings
from ..datadir import ADMIN_TOKEN_FILE, read_admin_file
from ..facilitation import Engine
from ..facilitation.model import SESSION
from ..facilitation.ownership import session_documents
from ..facilitation.retention import OPERATOR
from ..kernel.tokens import TokenSigner
from ..store import Store
from . import backup as backups
from .inventory import all_sessions, iso, session_info

EXIT_OK = 0
EXIT_FAILED = 1  # no such session, the store or the server does not answer
EXIT_USAGE = 2

COMMANDS = ("sessions", "show", "delete", "purge-expired", "compact", "backup", "restore")


class AdminError(Exception):
    """Something the operator can act on; the message says what."""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("admin", help="operate on sessions in the data folder",
                            description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="the server's data folder")
    parser.add_argument("--store", default=None, help="sqlite or redis")
    commands = parser.add_subparsers(dest="admin_command", required=True)
    listing = commands.add_parser("sessions", help="every session: state, size, last activity")
    listing.add_argument("--json", action="store_true", help="one JSON document")
    commands.add_parser("show", help="one session in detail (JSON)").add_argument("sid")
    commands.add_parser("delete", help="delete a session and everything stored for it, now"
                        ).add_argument("sid")
    commands.add_parser("purge-expired", help="delete every session past its retention period")
    commands.add_parser("compact", help="merge every document's update log into its snapshot")
    commands.add_parser("backup", help="an online backup of the SQLite database"
                        ).add_argument("file", type=Path)
    commands.add_parser("restore", help="replace the SQLite database by a backup (server "
                        "stopped)").add_argument("file", type=Path)


def run(settings: Settings, args: Any, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        return _dispatch(settings, args, out, err)
    except (AdminError, backups.BackupError) as error:
        print(f"sprankel: {error}", file=err)
        return EXIT_FAILED
    except (sqlite3.Error, RuntimeError, OSError) as error:  # RedisUnavailable: RuntimeError
        print(f"sprankel: cannot use the store: {error}", file=err)
        return EXIT_FAILED


def _dispatch(settings: Settings, args: Any, out: TextIO, err: TextIO) -> int:
    command = args.admin_command
    if command in ("backup", "restore"):
        return _backup_or_restore(settings, command, args.file, out)
    if command == "sessions":
        return asyncio.run(_with_store(settings, lambda s: _sessions(s, settings, args.json,
                                                                     out)))
    if command == "show":
        return asyncio.run(_with_store(settings, lambda s: _show(s, settings, args.sid, out)))
    if command == "compact":
        return asyncio.run(_with_store(settings, lambda s: _compact(s, out)))
    if command == "delete":
        return _delete(settings, args.sid, out)
    if command == "purge-expired":
        return _purge(settings, out)
    raise AdminError(f"unknown command {command!r}; use one of {', '.join(COMMANDS)}")


# The store, directly

def _open_store(settings: Settings) -> Store:
    from ..app import build_store

    if settings.store == "sqlite" and not settings.database_path.exists():
        # Never create an empty database where the operator expected their data.
        raise AdminError(f"no Sprankel data in {settings.data_dir}/ (looked for "
                         f"{settings.database_path}); pass the server's --data-dir")
    return build_store(settings)


async def _with_store(settings: Settings, work: Callable[[Store], Awaitable[int]]) -> int:
    store = _open_store(settings)
    await store.start()
    try:
        return await work(store)
    finally:
        await store.close()


def _clean(text: str, width: int) -> str:
    # Titles are user text: no control characters on the operator's terminal.
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= width else text[: width - 1] + "…"


async def _sessions(store: Store, settings: Settings, as_json: bool, out: TextIO) -> int:
    infos = await all_sessions(store, settings.session_retention_days)
    if as_json:
        out.write(json.dumps({"sessions": [i.to_json() for i in infos]}, indent=2) + "\n")
        return EXIT_OK
    out.write(f"{'ID':<18} {'STATE':<7} {'SIZE':>10} {'LAST ACTIVITY (UTC)':<26} "
              f"{'DELETE AFTER':<26} TITLE\n")
    for info in infos:
        s = info.session
        out.write(f"{s.id:<18} {s.state:<7} {info.size:>10} {iso(info.last_activity) or '':<26} "
                  f"{iso(info.delete_after) or '-':<26} {_clean(s.title, 40)}\n")
    out.write(f"{len(infos)} session(s)\n")
    return EXIT_OK


async def _show(store: Store, settings: Settings, sid: str, out: TextIO) -> int:
    info = await session_info(store, sid, settings.session_retention_days)
    if info is None:
        raise AdminError(f"no session {sid!r} in this store")
    out.write(json.dumps(info.to_json(), indent=2, ensure_ascii=False) + "\n")
    return EXIT_OK


async def _compact(store: Store, out: TextIO) -> int:
    from ..facilitation.model import PARTICIPANT

    count = 0
    for sid in await store.list_records(SESSION):
        pids = [k.split("/", 1)[1] for k in await store.list_records(PARTICIPANT, f"{sid}/")]
        for name in session_documents(sid, pids):
            await store.compact(name)
            count += 1
    await store.erase_freed()
    out.write(f"compacted {count} document(s)\n")
    return EXIT_OK


# Deleting: through the running server, or through the store

def _server(settings: Settings) -> tuple[str, str] | None:
    info = read_admin_file(settings.data_dir)
    if info is None:
        return None
    try:
        token = (settings.data_dir / ADMIN_TOKEN_FILE).read_text(encoding="ascii").strip()
    except OSError as error:
        raise AdminError(f"a server runs (pid {info['pid']}) but its admin token cannot be "
                         f"read: {error}") from None
    return str(info["url"]), token


def _call(server: tuple[str, str], path: str) -> tuple[int, Any]:
    url, token = server
    request = urllib.request.Request(url + path, data=b"", method="POST",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        body = error.read()
        error.close()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"message": body.decode(errors="replace")}
    except urllib.error.URLError as error:
        raise AdminError(f"a server runs on this data folder but its admin API at {url} "
                         f"does not answer ({error.reason}); nothing was deleted") from None


@asynccontextmanager
async def _engine(settings: Settings) -> AsyncIterator[Engine]:
    """An engine on the store and broker of the settings, without a server around it."""
    from ..app import build_broker, build_rooms

    store = _open_store(settings)
    broker = build_broker(settings, store)
    rooms = build_rooms(settings, store, broker)
    await store.start()
    await broker.start()
    engine = Engine(store, broker, rooms, TokenSigner(secrets.token_bytes(32)),
                    retention_days=settings.session_retention_days)
    try:
        yield engine
    finally:
        await engine.stop()
        await rooms.shutdown()
        await broker.close()
        await store.close()


def _delete(settings: Settings, sid: str, out: TextIO) -> int:
    server = _server(settings)
    if server is not None:
        code, body = _call(server, f"/api/admin/sessions/{sid}/delete")
        if code == 404:
            raise AdminError(f"no session {sid!r} on the running server")
        if code != 204:
            raise AdminError(f"the server refused: {code} {body}")
        out.write(f"deleted session {sid} (through the running server)\n")
        return EXIT_OK

    async def offline() -> bool:
        async with _engine(settings) as engine:
            return await engine.retention.delete_session(sid, OPERATOR)

    if not asyncio.run(offline()):
        raise AdminError(f"no session {sid!r} in this store")
    out.write(f"deleted session {sid}\n")
    return EXIT_OK


def _purge(settings: Settings, out: TextIO) -> int:
    server = _server(settings)
    if server is not None:
        code, body = _call(server, "/api/admin/purge-expired")
        if code != 200:
            raise AdminError(f"the server refused: {code} {body}")
        deleted = list(body["deleted"])
    else:
        async def offline() -> list[str]:
            async with _engine(settings) as engine:
                return await engine.retention.sweep()

        deleted = asyncio.run(offline())
    for sid in deleted:
        out.write(f"deleted session {sid}\n")
    out.write(f"{len(deleted)} session(s) past their retention period deleted\n")
    return EXIT_OK


# Backup and restore (SQLite)

def _backup_or_restore(settings: Settings, command: str, file: Path, out: TextIO) -> int:
    if settings.store != "sqlite":
        raise AdminError(f"backup and restore are for the SQLite store; with --store "
                         f"{settings.store}, back up Redis or PostgreSQL with its own tools "
                         "(RDB/AOF, pg_dump: docs/operations.md)")
    if command == "backup":
        size = backups.backup(settings.database_path, file)
        out.write(f"backed up {settings.database_path} to {file} ({size} bytes)\n")
        return EXIT_OK
    running = read_admin_file(settings.data_dir)
    if running is not None:
        raise AdminError(f"a server runs on {settings.data_dir} (pid {running['pid']}): stop "
                         "it first, then restore, then start it again")
    backups.restore(file, settings.database_path)
    out.write(f"restored {settings.database_path} from {file}\n")
    return EXIT_OK
