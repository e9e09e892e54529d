"""A small client for the sessions API of a real server, for the API and WebSocket tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from server_process import ServerProcess
from yclient import YClient


@dataclass
class Member:
    id: str
    token: str
    role: str


class Api:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.http = httpx.AsyncClient(base_url=server.http_url, timeout=10)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, token: str | None = None,
                   body: Any = None, expect: int | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.request(method, "/api" + path, headers=headers,
                                           json=body)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def create(self, **fields: Any) -> tuple[str, Member, str]:
        created = await self.call("POST", "/sessions", body={"title": "Koffie op afstand",
                                                             **fields}, expect=201)
        return (created["id"], Member(created["participant_id"], created["facilitator_token"],
                                      "facilitator"), created["join_code"])

    async def join(self, sid: str, code: str, name: str, role: str = "participant") -> Member:
        joined = await self.call("POST", f"/sessions/{sid}/participants",
                                 body={"name": name, "join_code": code, "role": role},
                                 expect=201)
        return Member(joined["participant_id"], joined["token"], joined["role"])

    async def round(self, sid: str, f: Member, **fields: Any) -> str:
        body = {"kind": "ideate", "prompt": "How do we keep in touch?", "duration_s": 600,
                **fields}
        return str((await self.call("POST", f"/sessions/{sid}/rounds", f.token, body,
                                    expect=201))["id"])

    async def act(self, sid: str, f: Member, rid: str, action: str, body: Any = None,
                  expect: int = 200) -> Any:
        return await self.call("POST", f"/sessions/{sid}/rounds/{rid}/{action}", f.token,
                               body, expect=expect)

    def ws(self, name: str, token: str | None) -> YClient:
        query = f"?token={token}" if token is not None else ""
        return YClient(f"{self.server.ws_url}/{name}{query}")


async def refused(client: YClient) -> tuple[int | None, str]:
    """Connect a client the server should refuse; the close code and reason."""
    await client.connect(wait_synced=False)
    code = await client.wait_closed()
    return code, client.close_reason


async def session_of_four(api: Api) -> tuple[str, Member, Member, Member, Member]:
    """A session with its facilitator, two participants (Ann, Bob) and an observer (Olga)."""
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    obs = await api.join(sid, code, "Olga", role="observer")
    return sid, f, ann, bob, obs
