"""A real session through a real server's HTTP API and WebSockets, exported three ways.

The facilitator runs a hidden ideation round and a voting round; a participant edits
the board as a browser does (a cluster, a hostile idea, a note, whiteboard text). The
export is downloaded through the API (with the access rules), then written by the
`sprankel export` command function from the stopped server's data folder.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from markdown_it import MarkdownIt
from pycrdt import Array, Doc, Map

from conftest import ServerFactory
from server_process import ServerProcess
from sprankel.config import Settings
from sprankel.export.command import run_export
from yclient import YClient

HOSTILE = "# Heading?\n[click](javascript:alert(1)) <script>alert(1)</script> | `x`"
TITLE = "Koffiehoek: thuis & werk"


@dataclass
class Session:
    id: str
    facilitator: str  # tokens
    participants: list[str]
    observer: str
    ideas: dict[str, str]  # text -> id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def call(client: httpx.AsyncClient, method: str, path: str, token: str,
               body: Any = None, expect: int = 200) -> Any:
    response = await client.request(method, path, headers=bearer(token), json=body)
    assert response.status_code == expect, (method, path, response.status_code, response.text)
    return response.json() if response.content else None


async def run_session(server: ServerProcess, client: httpx.AsyncClient,
                      participants_can_export: bool = False) -> Session:
    created = (await client.post("/api/sessions", json={
        "title": TITLE, "goal": "Het praatje bij de koffie terug", "language": "en",
        "facilitator_name": "Fien",
        "settings": {"retention_days": 365, "participants_can_export": participants_can_export},
    }))
    assert created.status_code == 201, created.text
    s = created.json()
    sid, fac = s["id"], s["facilitator_token"]
    tokens = []
    for name in ("Anna", "Zoë"):
        joined = await client.post(f"/api/sessions/{sid}/participants",
                                   json={"name": name, "join_code": s["join_code"]})
        assert joined.status_code == 201, joined.text
        tokens.append(joined.json()["token"])
    observer = (await client.post(f"/api/sessions/{sid}/participants", json={
        "name": "Olaf", "join_code": s["join_code"], "role": "observer"})).json()["token"]

    ideate = (await call(client, "POST", f"/api/sessions/{sid}/rounds", fac, {
        "kind": "ideate", "prompt": "What do you miss?", "duration_s": 300, "hidden": True,
        "auto_reveal": True,
    }, 201))["id"]
    vote = (await call(client, "POST", f"/api/sessions/{sid}/rounds", fac, {
        "kind": "vote", "prompt": "Pick the best", "duration_s": 120,
    }, 201))["id"]

    await call(client, "POST", f"/api/sessions/{sid}/rounds/{ideate}/start", fac)
    for token, text in ((tokens[0], "A fixed coffee break at ten"),
                        (tokens[1], "Walk and talk\nwith a buddy"),
                        (tokens[0], "Quiz on Friday")):
        await call(client, "POST", f"/api/sessions/{sid}/ideas", token, {"text": text}, 201)
    await call(client, "POST", f"/api/sessions/{sid}/rounds/{ideate}/end", fac)

    # A participant's browser: a cluster, a hostile idea, a note and whiteboard text.
    board_url = f"{server.ws_url}/sessions/{sid}/board?token={tokens[1]}"
    async with YClient(board_url) as browser:
        await browser.wait_for(lambda: len(browser.doc.get("ideas", type=Map)) == 3)
        ideas = {str(v["text"]): str(k)
                 for k, v in browser.doc.get("ideas", type=Map).to_py().items()}

        def edit(doc: Doc[Any]) -> None:
            doc.get("clusters", type=Map)["c1"] = Map({
                "id": "c1", "title": "Together", "color": "blue", "created_at": 1})
            doc.get("ideas", type=Map)[ideas["A fixed coffee break at ten"]]["cluster_id"] = "c1"
            doc.get("ideas", type=Map)["hostile"] = Map({
                "id": "hostile", "text": HOSTILE, "author_id": None, "author_name": None,
                "round_id": ideate, "cluster_id": "c1", "color": "pink", "created_at": 2})
            doc.get("notes", type=Map)["n1"] = Map({
                "id": "n1", "kind": "decision", "text": "We try it for a month", "owner": None,
                "due": None, "done": False, "created_at": 3})
            doc.get("elements", type=Array).append(Map({"pos": "a0", "el": {
                "id": "t1", "type": "text", "x": 0, "y": 0, "text": "coffee!"}}))

        await browser.change(edit)
        ideas["HOSTILE"] = "hostile"
    # The server has stored the edit once a fresh reader sees it.
    async with YClient(board_url) as reader:
        await reader.wait_for(lambda: "n1" in reader.doc.get("notes", type=Map))

    await call(client, "POST", f"/api/sessions/{sid}/rounds/{vote}/start", fac)
    quiz, walk = ideas["Quiz on Friday"], ideas["Walk and talk\nwith a buddy"]
    await call(client, "PUT", f"/api/sessions/{sid}/votes/{quiz}", tokens[0], {"count": 3})
    await call(client, "PUT", f"/api/sessions/{sid}/votes/{walk}", tokens[1], {"count": 1})
    await call(client, "POST", f"/api/sessions/{sid}/rounds/{vote}/end", fac)
    return Session(sid, fac, tokens, observer, ideas)


def headings_and_items(markdown: str) -> tuple[list[str], list[str], set[str]]:
    tokens = MarkdownIt("default").parse(markdown)
    headings = [tokens[k + 1].content for k, t in enumerate(tokens) if t.type == "heading_open"]
    items = [tokens[k + 2].content for k, t in enumerate(tokens) if t.type == "list_item_open"
             and tokens[k + 2].type == "inline"]
    inline = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    return headings, items, inline


async def test_facilitator_downloads_all_three_formats(start_server: ServerFactory) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        s = await run_session(server, client)
        md = await client.get(f"/api/sessions/{s.id}/export.md", headers=bearer(s.facilitator))
        assert md.status_code == 200, md.text
        assert md.headers["content-type"] == "text/markdown; charset=utf-8"
        day = re.search(r"\d{4}-\d{2}-\d{2}", md.headers["content-disposition"])
        assert day is not None
        assert md.headers["content-disposition"] == \
            f'attachment; filename="koffiehoek-thuis-werk-{day.group(0)}.md"'
        assert md.headers["cache-control"] == "no-store"

        headings, items, inline = headings_and_items(md.text)
        assert headings[:3] == [TITLE, "Agenda", "Round 1: What do you miss?"]
        assert "Together" in headings and "Not grouped" in headings
        assert inline <= {"text", "hardbreak", "strong_open", "strong_close", "em_open",
                          "em_close"}
        assert "Quiz on Friday — 3 dots · Anna · **top**" in items
        assert any(i.startswith("Walk and talk\\\nwith a buddy — 1 dot · Zoë") for i in items)
        assert any(i.startswith("\\# Heading?\\\n\\[click\\](javascript:alert(1)) \\<script\\>")
                   for i in items)
        assert "- **Facilitator:** Fien" in md.text and "coffee!" in md.text
        assert "We try it for a month" in md.text

        js = await client.get(f"/api/sessions/{s.id}/export.json",
                              headers=bearer(s.facilitator))
        assert js.status_code == 200 and js.headers["content-type"] == "application/json"
        doc = json.loads(js.text)
        assert doc["schema_version"] == 2 and doc["session"]["id"] == s.id
        assert sorted(i["id"] for i in doc["ideas"]) == sorted(s.ideas.values())
        assert [r["method"]["kind"] for r in doc["rounds"]] == ["ideate", "vote"]
        assert doc["rounds"][0]["timings"]["started_at"].endswith("Z")
        assert doc["session"]["retention_until"] is None  # kept from the end of the session

        sheet = await client.get(f"/api/sessions/{s.id}/export.csv",
                                 headers=bearer(s.facilitator))
        assert sheet.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"), newline="")))
        assert {r["id"]: int(r["votes round 2"]) for r in rows} == {
            s.ideas["A fixed coffee break at ten"]: 0, s.ideas["Walk and talk\nwith a buddy"]: 1,
            s.ideas["Quiz on Friday"]: 3, "hostile": 0}
        assert next(r for r in rows if r["id"] == "hostile")["text"] == HOSTILE


async def test_who_may_download(start_server: ServerFactory) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        closed = await run_session(server, client)
        opened = await run_session(server, client, participants_can_export=True)
        path = f"/api/sessions/{closed.id}/export.md"

        async def refused(headers: dict[str, str], status: int, path: str = path) -> str:
            response = await client.get(path, headers=headers)
            assert response.status_code == status, response.text
            body = response.json()
            assert set(body) == {"error", "message"} and body["message"]
            return str(body["error"])

        await refused({}, 401)
        await refused(bearer("v1.forged.token"), 401)
        await refused(bearer(closed.participants[0]), 403)
        await refused(bearer(closed.observer), 403)
        await refused(bearer(opened.facilitator), 403)  # a token of another session
        await refused(bearer(closed.facilitator), 403, "/api/sessions/unknown/export.md")
        assert await refused(bearer(closed.facilitator), 422, path + "?tz=Nowhere/City") == \
            "invalid"

        for token in (opened.participants[0], opened.observer):
            response = await client.get(f"/api/sessions/{opened.id}/export.csv",
                                        headers=bearer(token))
            assert response.status_code == 200, response.text


async def test_command_exports_the_same_summary_from_the_data_folder(
        start_server: ServerFactory) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        s = await run_session(server, client)
        await call(client, "POST", f"/api/sessions/{s.id}/end", s.facilitator)
        api_md = (await client.get(f"/api/sessions/{s.id}/export.md?tz=Europe/Amsterdam",
                                   headers=bearer(s.facilitator))).text
        api_json = json.loads((await client.get(f"/api/sessions/{s.id}/export.json",
                                                headers=bearer(s.facilitator))).text)
    server.stop()

    settings = Settings(data_dir=server.data_dir)
    out = server.data_dir / "summary.md"
    err = io.StringIO()
    code = await asyncio.to_thread(run_export, settings, s.id, "md", out, "Europe/Amsterdam",
                                   stderr=err)
    assert code == 0, err.getvalue()
    cli_md = out.read_text(encoding="utf-8")
    assert cli_md.split("\n---\n")[0] == api_md.split("\n---\n")[0]
    assert "- **Keep until:** " in cli_md  # the session ended, so its retention date is known

    stdout = io.StringIO()
    assert await asyncio.to_thread(run_export, settings, s.id, "json", None,
                                   stdout=stdout, stderr=err) == 0
    cli_json = json.loads(stdout.getvalue())
    for doc in (cli_json, api_json):
        doc.pop("generated_at")
    assert cli_json["session"]["retention_until"] is not None
    # The store's trail holds the JSON download too, recorded after its answer was built.
    downloaded = cli_json["audit"].pop()
    assert downloaded["action"] == "export.downloaded"
    assert downloaded["details"] == {"format": "json"}
    assert cli_json == api_json
