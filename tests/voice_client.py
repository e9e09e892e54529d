"""A Python client of the voice socket (/voice/spaces/ID), for the signalling tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, cast

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError

from server_process import ServerProcess

Predicate = Callable[[dict[str, Any]], bool]


class VoiceClient:
    """Reads all the time, in a task of its own, as the browser does: a test that is busy
    elsewhere never leaves frames unread (websockets then stops reading the socket, the
    server's writer waits, and under load its outbox overflows into a 1013 close)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []
        self.close_frame: tuple[int | None, str] | None = None  # set when the socket closed
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="voice test client")

    @classmethod
    async def open(cls, server: ServerProcess, space_id: str, token: str | None,
                   kind: str = "spaces") -> VoiceClient:
        """The voice socket of a space, or (kind "sessions") of a session's hallway."""
        query = f"?token={token}" if token is not None else ""
        ws = await connect(f"ws://127.0.0.1:{server.port}/voice/{kind}/{space_id}{query}",
                           open_timeout=10)
        return cls(ws)

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                self.received.append(json.loads(frame))
                self._arrived.set()
        except ConnectionClosed:
            pass
        finally:
            rcvd = self.ws.protocol.close_rcvd
            self.close_frame = (None, "") if rcvd is None else (rcvd.code, rcvd.reason)
            self._arrived.set()

    async def _until(self, ready: Callable[[], Any], timeout: float) -> Any:
        """Wait for ready() to be other than None as messages arrive; its value."""
        async with asyncio.timeout(timeout):
            while (value := ready()) is None:
                if self.close_frame is not None:
                    raise ConnectionClosedError(None, None)
                self._arrived.clear()
                await self._arrived.wait()
            return value

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def wait_for(self, check: Predicate, timeout: float = 15, since: int = 0
                       ) -> dict[str, Any]:
        """The first message (from received[since] on, or arriving) that passes check."""
        def found() -> dict[str, Any] | None:
            return next((m for m in self.received[since:] if check(m)), None)

        return cast(dict[str, Any], await self._until(found, timeout))

    async def tables(self, check: Callable[[dict[str, list[str]]], bool],
                     timeout: float = 15) -> dict[str, list[str]]:
        """The latest view (table id -> names sitting) once it passes check."""
        def latest() -> dict[str, list[str]] | None:
            views = [m for m in self.received if m.get("type") == "tables"]
            if not views:
                return None
            view = {t["id"]: [s["name"] for s in t["sitting"]] for t in views[-1]["tables"]}
            return view if check(view) else None

        return cast(dict[str, list[str]], await self._until(latest, timeout))

    async def sit(self, table: str = "koffietafel") -> dict[str, Any]:
        since = len(self.received)
        await self.send({"type": "sit", "table": table})
        return await self.wait_for(lambda m: m.get("type") in ("seated", "error"), since=since)

    async def closed(self, timeout: float = 15) -> tuple[int | None, str]:
        """Until the server closes; its code and reason."""
        async with asyncio.timeout(timeout):
            await asyncio.shield(self._reader)
        assert self.close_frame is not None
        return self.close_frame

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


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
