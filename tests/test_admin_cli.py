"""`sprankel admin` against a real running `sprankel serve` on the same data folder: it
lists and shows sessions, deletes one (the server closes the open connections and
forgets the room it held, the text leaves the database), purges expired ones, compacts,
backs up while the server writes, and restores only once the server is stopped; and
without a server it deletes through the store. The admin API refuses strangers."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from pycrdt import Map

from api_harness import Api, Member
from conftest import ServerFactory
from sprankel import status

SECRET = "Geheim-agendapunt-Zoë-31415"


def admin(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sprankel.cli", "admin", "--data-dir",
                           str(data), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SPRANKEL_STORE": "sqlite"})


async def run_admin(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(admin, data, *args)


async def session_with_text(api: Api, text: str) -> tuple[str, Member, Any]:
    sid, f, code = await api.create(title="Heidag")
    ann = await api.join(sid, code, "Ann")
    client = await api.ws(f"sessions/{sid}/board", ann.token).connect()
    await client.change(lambda doc: doc.get("ideas", type=Map).__setitem__(
        "i1", Map({"id": "i1", "text": text})))
    await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": text + " 2"},
                   expect=201)
    await client.wait_for(lambda: len(client.doc.get("ideas", type=Map)) == 2)
    return sid, f, client


def database_bytes(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (data / "sprankel.sqlite3",
                                             data / "sprankel.sqlite3-wal") if p.exists())


async def test_the_admin_commands_work_against_a_running_server(
        start_server: ServerFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server("--room-grace-s", "30", data_dir=data)
    api = Api(server)
    try:
        sid, f, client = await session_with_text(api, SECRET)
        other, other_f, other_client = await session_with_text(api, "Blijft")
        assert stat.S_IMODE((data / "admin_token").stat().st_mode) == 0o600
        assert stat.S_IMODE((data / "admin.json").stat().st_mode) == 0o600

        listed = await run_admin(data, "sessions")
        assert listed.returncode == 0, listed.stderr
        assert sid in listed.stdout and other in listed.stdout and "open" in listed.stdout
        as_json = json.loads((await run_admin(data, "sessions", "--json")).stdout)
        mine = next(s for s in as_json["sessions"] if s["id"] == sid)
        assert mine["size_bytes"] > 0 and mine["last_activity"]
        shown = await run_admin(data, "show", sid)
        assert json.loads(shown.stdout)["participants"] == 2
        missing = await run_admin(data, "show", "nosuchsession")
        assert missing.returncode == 1 and "no session" in missing.stderr

        backup = tmp_path / "backup.sqlite3"
        made = await run_admin(data, "backup", str(backup))  # while the server runs
        assert made.returncode == 0, made.stderr
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        with sqlite3.connect(backup) as db:
            assert db.execute("SELECT count(*) FROM records WHERE kind = 'session'"
                              ).fetchone()[0] == 2
        db.close()

        # The server holds the board in memory (grace 30 s) and the connection is open.
        deleted = await run_admin(data, "delete", sid)
        assert deleted.returncode == 0, deleted.stderr
        assert "through the running server" in deleted.stdout
        assert await client.wait_closed() == status.CLOSE_DELETED
        await api.call("GET", f"/sessions/{sid}", f.token, expect=404)
        deadline = time.monotonic() + 60
        while SECRET.encode() in database_bytes(data) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert SECRET.encode() not in database_bytes(data)
        assert not other_client.closed.is_set()
        again = await run_admin(data, "delete", sid)
        assert again.returncode == 1 and "no session" in again.stderr

        purged = await run_admin(data, "purge-expired")
        assert purged.returncode == 0 and "0 session(s)" in purged.stdout
        compacted = await run_admin(data, "compact")
        assert compacted.returncode == 0, compacted.stderr

        refused = await run_admin(data, "restore", str(backup))
        assert refused.returncode == 1 and "stop it first" in refused.stderr
        await client.close()
        await other_client.close()
    finally:
        await api.aclose()

    server.stop()
    assert not (data / "admin.json").exists()
    restored = await run_admin(data, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    server.start()
    api = Api(server)
    try:
        # The backup was made before the deletion: the session is back.
        back = await api.call("GET", f"/sessions/{sid}/ideas", f.token, expect=200)
        assert sorted(i["text"] for i in back["ideas"]) == [SECRET, SECRET + " 2"]
        await api.call("GET", f"/sessions/{other}", other_f.token, expect=200)
    finally:
        await api.aclose()
    server.stop()

    # Without a server: through the store.
    offline = await run_admin(data, "delete", sid)
    assert offline.returncode == 0, offline.stderr
    assert "through the running server" not in offline.stdout
    assert SECRET.encode() not in database_bytes(data)
    not_a_backup = tmp_path / "nonsense"
    not_a_backup.write_text("hello")
    bad = await run_admin(data, "restore", str(not_a_backup))
    assert bad.returncode == 1 and "not a" in bad.stderr


async def test_the_admin_api_refuses_without_the_token(start_server: ServerFactory,
                                                       tmp_path: Path) -> None:
    server = start_server(data_dir=tmp_path / "data")
    token = (tmp_path / "data" / "admin_token").read_text().strip()
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        path = "/api/admin/purge-expired"
        assert (await http.post(path)).status_code == 401
        wrong = await http.post(path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]
        proxied = await http.post(path, headers={"Authorization": f"Bearer {token}",
                                                 "X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 403
        ok = await http.post(path, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json() == {"deleted": []}
        gone = await http.post("/api/admin/sessions/nosuch/delete",
                               headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 404


def test_admin_without_data_says_so(tmp_path: Path) -> None:
    result = admin(tmp_path / "empty", "sessions")
    assert result.returncode == 1 and "no Sprankel data" in result.stderr
    assert not (tmp_path / "empty").exists()
    redis_backup = subprocess.run(
        [sys.executable, "-m", "sprankel.cli", "admin", "--store", "redis", "backup", "x"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert redis_backup.returncode == 1 and "Redis" in redis_backup.stderr
