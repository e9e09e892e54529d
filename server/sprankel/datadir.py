"""The data folder: private to the server's user, and checked for writing at start.

The folder holds the SQLite database (every session's ideas and names, drafts
included) and the key that signs tokens. It is made 0700 and its files 0600, also
when they exist already from an older version or a careless copy: on a shared host
another user must not read them. A folder the server cannot write to (read-only,
full, immutable, a path under a regular file) is one clear line at start, not a
traceback at the first write.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class DataDirError(OSError):
    """The data folder cannot be used; the message says which and why."""


def prepare(data_dir: Path) -> None:
    """Create the folder (0700), make it and its files private, and prove it is writable."""
    try:
        data_dir.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(data_dir, FOLDER_MODE)
        for child in data_dir.iterdir():
            if child.is_file() and not child.is_symlink():
                make_private(child)
        _write_probe(data_dir)
    except OSError as error:
        reason = error.strerror or str(error)
        raise DataDirError(f"the data folder {data_dir} cannot be used: {reason} "
                           "(check --data-dir, its permissions and free space)") from None


def make_private(path: Path) -> None:
    """0600 for a file of the data folder (the database, its -wal/-shm, the secret key)."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, FILE_MODE)


def _write_probe(data_dir: Path) -> None:
    probe = data_dir / f".write-probe-{secrets.token_hex(4)}"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.write(fd, b"sprankel\n" * 512)  # a few KiB: a full disk fails here
        os.fsync(fd)
    finally:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            probe.unlink()


# The admin API of a running server (api/admin.py) and the `sprankel admin` command meet
# here: the server keeps its token and where it listens in the data folder, 0600.
ADMIN_TOKEN_FILE = "admin_token"
ADMIN_FILE = "admin.json"


def write_admin_file(data_dir: Path, url: str) -> None:
    """Where this process's admin API answers; the last process to start writes it."""
    path = data_dir / ADMIN_FILE
    tmp = data_dir / f".{ADMIN_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"url": url, "pid": os.getpid()}, f)
    os.replace(tmp, path)


def read_admin_file(data_dir: Path) -> dict[str, Any] | None:
    """The admin API of the server running on this data folder, or None: no server (its
    process is gone, or there never was one)."""
    try:
        data = json.loads((data_dir / ADMIN_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    try:
        os.kill(data["pid"], 0)
    except ProcessLookupError:
        return None  # a stale file of a server that crashed
    except PermissionError:
        pass  # alive, and another user's
    return data


def remove_admin_file(data_dir: Path) -> None:
    """At this process's stop, unless another process wrote the file since."""
    path = data_dir / ADMIN_FILE
    with contextlib.suppress(FileNotFoundError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
