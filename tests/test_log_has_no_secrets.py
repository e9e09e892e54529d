"""The server's log never holds a secret it handed out: no access token, no join code.

uvicorn logs every request and WebSocket URL with its query (``?token=``, ``?code=``)
and, at debug level, the websockets library logs request headers. A whole session
(create, join by link, sockets, a round with votes, export, a Koffiehoek space with
members and chat) runs against a real server; then the WHOLE log is scanned for every
token and code the server gave out.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from pycrdt import Map

from conftest import ServerFactory
from server_process import ServerProcess
from sprankel.koffiehoek.chat import chat_name
from sprankel.redact import redact
from yclient import YClient


class Secrets:
    """Every token and join code the server handed out during the run."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def keep(self, *values: str) -> None:
        self.values.update(values)


async def run_a_whole_session(server: ServerProcess, secrets: Secrets) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        async def call(method: str, path: str, token: str | None = None,
                       body: object = None, expect: int = 200) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await http.request(method, path, json=body, headers=headers)
            assert response.status_code == expect, (path, response.text)
            return response

        created = (await call("POST", "/api/sessions", body={
            "title": "Koffie op afstand", "settings": {"vote_budget": 3}}, expect=201)).json()
        sid, f_token, code = created["id"], created["facilitator_token"], created["join_code"]
        secrets.keep(f_token, code)

        # Join by the link: the page (its URL carries the code), then the API.
        await call("GET", created["links"]["join"].removeprefix(server.http_url))
        people = []
        for name in ("Ann", "Bob"):
            joined = (await call("POST", f"/api/sessions/{sid}/participants", body={
                "name": name, "join_code": code}, expect=201)).json()
            secrets.keep(joined["token"])
            people.append(joined)
        ann, bob = people

        # Everyone connects: the token is in each WebSocket URL.
        def ws(name: str, token: str) -> YClient:
            return YClient(f"{server.ws_url}/{name}?token={token}")

        sockets = [ws(f"sessions/{sid}/control", f_token), ws(f"sessions/{sid}/board", f_token)]
        for who in people:
            sockets += [ws(f"sessions/{sid}/board", who["token"]),
                        ws(f"sessions/{sid}/drafts/{who['participant_id']}", who["token"])]
        await asyncio.gather(*(s.connect() for s in sockets))
        board = sockets[1]
        await board.change(lambda d: d.get("notes", type=Map).__setitem__("n1", "welkom"))

        # A round of ideas, then a voting round.
        ideate = (await call("POST", f"/api/sessions/{sid}/rounds", f_token, {
            "kind": "ideate", "prompt": "Contact?", "duration_s": 600}, expect=201)).json()
        await call("POST", f"/api/sessions/{sid}/rounds/{ideate['id']}/start", f_token)
        idea = (await call("POST", f"/api/sessions/{sid}/ideas", ann["token"],
                           {"text": "Koffieroulette"}, expect=201)).json()
        await call("POST", f"/api/sessions/{sid}/rounds/{ideate['id']}/end", f_token)
        vote = (await call("POST", f"/api/sessions/{sid}/rounds", f_token, {
            "kind": "vote", "prompt": "Welke?", "duration_s": 600}, expect=201)).json()
        await call("POST", f"/api/sessions/{sid}/rounds/{vote['id']}/start", f_token)
        await call("PUT", f"/api/sessions/{sid}/votes/{idea['id']}", bob["token"],
                   {"count": 2})
        await call("POST", f"/api/sessions/{sid}/rounds/{vote['id']}/end", f_token)
        await call("GET", f"/api/sessions/{sid}", f_token)
        await call("GET", f"/api/sessions/{sid}/export.md", f_token)
        await call("GET", f"/api/sessions/{sid}/export.json", f_token)

        # A Koffiehoek space with members and chat; a brainstorm started from the chat.
        space = (await call("POST", "/api/spaces", body={"name": "Team", "your_name": "Ada"},
                            expect=201)).json()
        zoe = (await call("POST", f"/api/spaces/{space['id']}/members", body={"name": "Zoë"},
                          expect=201)).json()
        secrets.keep(space["token"], zoe["token"])
        chat = ws(chat_name(space["id"]), zoe["token"])
        await chat.connect()
        posted = (await call("POST", f"/api/spaces/{space['id']}/messages", space["token"],
                             {"text": "Heidag?"}, expect=201)).json()
        started = (await call("POST", f"/api/spaces/{space['id']}/sessions", space["token"],
                              {"message_id": posted["id"]}, expect=201)).json()
        secrets.keep(started["facilitator_token"],
                     started["links"]["join"].rpartition("code=")[2])
        await call("GET", f"/api/spaces/{space['id']}", zoe["token"])
        await call("GET", started["links"]["join"].removeprefix(server.http_url))

        # Refusals log their URLs too: a wrong token, a wrong code.
        refused = ws(f"sessions/{sid}/board", f_token[:-4] + "AAAA")
        await refused.connect(wait_synced=False)
        await refused.wait_closed()
        await call("POST", f"/api/sessions/{sid}/participants",
                   body={"name": "X", "join_code": code[:-2] + "xx"}, expect=403)

        await asyncio.gather(*(s.close() for s in [*sockets, chat]))


@pytest.mark.parametrize(("level", "log_format"),
                         [("debug", "text"), ("info", "text"), ("debug", "json"),
                          ("info", "json")])
async def test_no_token_or_join_code_reaches_the_log(start_server: ServerFactory,
                                                     level: str, log_format: str) -> None:
    server = start_server("--log-level", level, "--log-format", log_format,
                          "--room-grace-s", "0.5")
    secrets = Secrets()
    await run_a_whole_session(server, secrets)
    server.stop()  # the whole log, shutdown included

    log = server.log()
    assert "[redacted]" in log  # the URLs were logged, without their secrets
    leaked = sorted(s for s in secrets.values if s in log)
    assert leaked == [], f"{len(leaked)} secrets in the {level} {log_format} log"
    assert len(secrets.values) >= 8
    if log_format == "json":
        parsed = [json.loads(line) for line in log.splitlines() if line.strip()]
        assert all(isinstance(line, dict) for line in parsed)
        # The audit trail's own lines share standard error (--audit-log stderr), marked.
        lines = [line for line in parsed if line.get("type") != "audit"]
        assert len(lines) < len(parsed)
        assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        # JSON escapes could hide a secret from the scan above: scan the decoded messages.
        text = "\n".join(str(line.get("message")) + str(line.get("exc", "")) for line in lines)
        assert sorted(s for s in secrets.values if s in text) == []
        # The access log lines carry their request's id, the socket's lines their connection's.
        access = [line for line in lines if line["logger"] == "uvicorn.access"]
        assert access and all(len(line.get("request_id", "")) == 16 for line in access)
        opened = [line for line in lines if line["message"].startswith("ws open ")]
        assert opened and all(f"conn={line['connection_id']}" in line["message"]
                              for line in opened)


def test_redaction_keeps_what_is_not_a_secret() -> None:
    line = ('127.0.0.1:5 - "GET /ws/sessions/S/board?token=v1.abc.def&x=1 HTTP/1.1" '
            'ws close doc=sessions/S/board code=1001 /join/S?code=SECRET#token=FRAG '
            "Authorization: Bearer v1.tok.sig (b'authorization', b'Bearer v1.x.y')")
    assert redact(line) == (
        '127.0.0.1:5 - "GET /ws/sessions/S/board?token=[redacted]&x=1 HTTP/1.1" '
        "ws close doc=sessions/S/board code=1001 /join/S?code=[redacted]#token=[redacted] "
        "Authorization: [redacted] (b'authorization', b'[redacted]')")
