"""A Python client of the voice socket (/voice/spaces/ID), for the signalling tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server_process import ServerProcess

Predicate = Callable[[dict[str, Any]], bool]


class VoiceClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, server: ServerProcess, space_id: str, token: str | None,
                   kind: str = "spaces") -> VoiceClient:
        """The voice socket of a space, or (kind "sessions") of a session's hallway."""
        query = f"?token={token}" if token is not None else ""
        ws = await connect(f"ws://127.0.0.1:{server.port}/voice/{kind}/{space_id}{query}",
                           open_timeout=10)
        return cls(ws)

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def wait_for(self, check: Predicate, timeout: float = 15, since: int = 0
                       ) -> dict[str, Any]:
        """The first message (from received[since] on, or arriving) that passes check."""
        for message in self.received[since:]:
            if check(message):
                return message
        async with asyncio.timeout(timeout):
            while True:
                self.received.append(json.loads(await self.ws.recv()))
                message = self.received[-1]
                if check(message):
                    return message

    async def tables(self, check: Callable[[dict[str, list[str]]], bool],
                     timeout: float = 15) -> dict[str, list[str]]:
        """The latest view (table id -> names sitting) once it passes check."""
        async with asyncio.timeout(timeout):
            while True:
                views = [m for m in self.received if m.get("type") == "tables"]
                if views:
                    latest = {t["id"]: [s["name"] for s in t["sitting"]]
                              for t in views[-1]["tables"]}
                    if check(latest):
                        return latest
                self.received.append(json.loads(await self.ws.recv()))

    async def sit(self, table: str = "koffietafel") -> dict[str, Any]:
        since = len(self.received)
        await self.send({"type": "sit", "table": table})
        return await self.wait_for(lambda m: m.get("type") in ("seated", "error"), since=since)

    async def closed(self, timeout: float = 15) -> tuple[int | None, str]:
        """Read until the server closes; its code and reason."""
        async with asyncio.timeout(timeout):
            try:
                while True:
                    self.received.append(json.loads(await self.ws.recv()))
            except ConnectionClosed as closed:
                if closed.rcvd is None:
                    return None, ""
                return closed.rcvd.code, closed.rcvd.reason

    async def close(self) -> None:
        await self.ws.close()


async def new_space(server: ServerProcess, *names: str) -> tuple[str, list[tuple[str, str]]]:
    """A space with a member per name: its id and [(member id, token)]."""
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        created = await http.post("/api/spaces", json={"name": "Team ICT", "your_name": names[0],
                                                        "language": "nl"})
        assert created.status_code == 201, created.text
        space = created.json()
        members = [(space["member_id"], space["token"])]
        for name in names[1:]:
            joined = await http.post(f"/api/spaces/{space['id']}/members", json={"name": name})
            assert joined.status_code == 201, joined.text
            members.append((joined.json()["member_id"], joined.json()["token"]))
        return space["id"], members


async def add_table(server: ServerProcess, space_id: str, token: str, **fields: Any) -> str:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        added = await http.post(f"/api/spaces/{space_id}/tables", json=fields,
                                headers={"Authorization": f"Bearer {token}"})
        assert added.status_code == 201, added.text
        return str(added.json()["tables"][-1]["id"])
