"""GET /api/presence/{document}: who is connected, with the document's own access rules."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import ServerFactory
from redis_server import RedisServer
from server_process import ServerProcess
from yclient import YClient

pytestmark = pytest.mark.redis


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    # Tests take it before start_server, so servers stop before Redis does.
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def server(redis: RedisServer, start_server: ServerFactory) -> ServerProcess:
    return start_server(env={"REDIS_URL": redis.url})


def session(server: ServerProcess) -> tuple[str, str, str]:
    """A new session: its id, the facilitator's token and a participant's token."""
    with httpx.Client(base_url=server.http_url) as http:
        created = http.post("/api/sessions", json={"title": "Koffie", "facilitator_name": "Ann"})
        assert created.status_code == 201, created.text
        body = created.json()
        joined = http.post(f"/api/sessions/{body['id']}/participants",
                           json={"name": "Zoë", "join_code": body["join_code"]})
        assert joined.status_code == 201, joined.text
    return body["id"], body["facilitator_token"], joined.json()["token"]


def get(server: ServerProcess, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server.http_url}/api/presence/{path}", headers=headers, timeout=5)


async def test_presence_shows_who_is_there_to_the_facilitator_only(
    server: ServerProcess,
) -> None:
    sid, facilitator, participant = await asyncio.to_thread(session, server)
    board = f"sessions/{sid}/board"
    clients = [await YClient(f"{server.ws_url}/{board}?token={token}").connect()
               for token in (facilitator, participant)]

    seen = await asyncio.to_thread(get, server, f"{board}?token={facilitator}")
    assert seen.status_code == 200, seen.text
    body: dict[str, Any] = seen.json()
    assert body["document"] == board and body["count"] == 2
    assert sorted(e["user"]["name"] for e in body["connections"]) == ["Ann", "Zoë"]
    assert {e["document"] for e in body["connections"]} == {board}

    # The same through the Authorization header.
    bearer = await asyncio.to_thread(get, server, board, Authorization=f"Bearer {facilitator}")
    assert bearer.json()["count"] == 2

    # A participant learns how many are there, not who.
    as_participant = (await asyncio.to_thread(get, server, f"{board}?token={participant}")).json()
    assert as_participant["count"] == 2
    assert all("user" not in e for e in as_participant["connections"])

    await clients[1].close()
    for _ in range(100):
        if (await asyncio.to_thread(get, server, f"{board}?token={facilitator}")
                ).json()["count"] == 1:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the closed connection stayed in presence")
    await clients[0].close()


@pytest.mark.parametrize(("path", "status", "error"), [
    ("sessions/x/board", 401, "unauthorized"),  # no token
    ("sessions/x/board?token=forged", 401, "unauthorized"),
    ("sessions/x/nothing", 404, "not_found"),  # no such session document
    ("elsewhere/doc", 404, "not_found"),  # outside sessions without --open-documents
    ("bad%20name", 400, "invalid"),
])
def test_presence_refuses_what_the_document_refuses(
    server: ServerProcess, path: str, status: int, error: str
) -> None:
    response = get(server, path)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["message"]
