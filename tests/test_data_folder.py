"""The data folder: private files, a readiness probe that writes, and a clear refusal to
start on a folder the server cannot write to.

Tests run as root, where chmod does not stop writes. Two things do: a path under a
regular file (no folder can be made there), and the immutable attribute (`chattr +i`,
which stops root too, on ext4 and most Linux file systems). The chattr tests are
skipped where the attribute cannot be set (another file system, no CAP_LINUX_IMMUTABLE).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conftest import ServerFactory
from server_process import free_port

DATABASE_FILES = ("sprankel.sqlite3", "sprankel.sqlite3-wal", "sprankel.sqlite3-shm")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _chattr(flag: str, *paths: Path) -> bool:
    try:
        done = subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True,
                              timeout=10)
    except FileNotFoundError:
        return False
    return done.returncode == 0


@contextmanager
def _immutable(*paths: Path) -> Iterator[None]:
    if not _chattr("+i", *paths):
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        _chattr("-i", *paths)


def _wait_status(url: str, expected: int, timeout: float = 15) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url, timeout=5)
        if response.status_code == expected or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def _create_session_with_a_draft(base: str) -> None:
    with httpx.Client(base_url=base + "/api", timeout=10) as http:
        created = http.post("/sessions", json={"title": "Privé"}).json()
        token = created["facilitator_token"]
        joined = http.post(f"/sessions/{created['id']}/participants",
                           json={"name": "Ann", "join_code": created["join_code"]}).json()
        auth = {"Authorization": f"Bearer {token}"}
        rnd = http.post(f"/sessions/{created['id']}/rounds", headers=auth,
                        json={"kind": "ideate", "prompt": "?", "duration_s": 60,
                              "hidden": True}).json()
        http.post(f"/sessions/{created['id']}/rounds/{rnd['id']}/start", headers=auth)
        idea = http.post(f"/sessions/{created['id']}/ideas", json={"text": "a draft"},
                         headers={"Authorization": f"Bearer {joined['token']}"})
        assert idea.status_code == 201, idea.text


def test_the_data_folder_and_the_database_and_key_files_are_private(
        start_server: ServerFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # an existing, world-readable folder
    server = start_server(data_dir=data)
    _create_session_with_a_draft(server.http_url)
    assert _mode(data) == 0o700
    for name in (*DATABASE_FILES, "secret_key"):
        assert _mode(data / name) == 0o600, name

    # Files an older version left world-readable are made private at the next start.
    server.stop()
    os.chmod(data, 0o755)
    for name in ("sprankel.sqlite3", "secret_key"):
        os.chmod(data / name, 0o644)
    server.start()
    _create_session_with_a_draft(server.http_url)
    assert _mode(data) == 0o700
    for name in (*DATABASE_FILES, "secret_key"):
        assert _mode(data / name) == 0o600, name


def test_readyz_is_503_while_the_store_cannot_write_and_ready_again_after(
        start_server: ServerFactory, tmp_path: Path) -> None:
    server = start_server()
    ready = server.http_url + "/readyz"
    assert httpx.get(ready, timeout=5).status_code == 200
    files = [server.data_dir / "sprankel.sqlite3", server.data_dir / "sprankel.sqlite3-wal"]
    # Immutable database files: reads still answer (SELECT 1 would say ready), writes fail
    # with "disk I/O error", as on a full disk.
    with _immutable(*files):
        refused = _wait_status(ready, 503)
        assert refused.status_code == 503
        assert refused.json()["error"] == "not_ready"
        assert httpx.get(server.http_url + "/healthz", timeout=5).status_code == 200
    assert _wait_status(ready, 200).status_code == 200


def _serve(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sprankel.cli", "serve", "--port", str(free_port()),
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=60)


def _assert_one_clear_line(done: subprocess.CompletedProcess[str], data_dir: Path) -> None:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"sprankel: the data folder {data_dir} cannot be used:")
    assert "Traceback" not in done.stderr


def test_a_data_folder_that_cannot_be_made_is_one_line_and_exit_1(tmp_path: Path) -> None:
    regular = tmp_path / "not-a-folder"
    regular.write_text("x")
    data = regular / "data"
    _assert_one_clear_line(_serve(data), data)


def test_a_read_only_data_folder_is_one_line_and_exit_1(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with _immutable(data):
        done = _serve(data)
    _assert_one_clear_line(done, data)
    assert list(data.iterdir()) == []  # nothing was left behind
