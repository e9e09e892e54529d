"""Sticky notes that are ideas, in the export: the idea's current text is the truth.

A client writes the board document as a browser's whiteboard does (client/src/whiteboard/
stickies.js): a sticky note is a rectangle with bound text, both with customData {ideaId}.
Its element keeps whatever text it was placed with; the export draws the idea's text into
it, lists it once (with the ideas, not again under the whiteboard), and a hostile client's
sticky with a made-up idea id shows no text anywhere.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
from pycrdt import Array, Doc, Map

from conftest import ServerFactory
from yclient import YClient


def sticky(box_id: str, idea_id: str, text: str, x: float, frame: str | None = None
           ) -> list[dict[str, Any]]:
    data = {"ideaId": idea_id}
    return [
        {"id": box_id, "type": "rectangle", "x": x, "y": 0, "width": 220, "height": 140,
         "frameId": frame, "boundElements": [{"type": "text", "id": f"{box_id}-t"}],
         "customData": data, "isDeleted": False, "version": 2},
        {"id": f"{box_id}-t", "type": "text", "x": x + 10, "y": 50, "width": 200, "height": 25,
         "text": text, "originalText": text, "containerId": box_id, "fontSize": 20,
         "frameId": frame, "customData": data, "isDeleted": False, "version": 2},
    ]


async def test_export_draws_stickies_from_their_ideas_and_ignores_bogus_ones(
        start_server: ServerFactory) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        created = (await client.post("/api/sessions", json={"title": "Plakbriefjes"})).json()
        sid, fac = created["id"], created["facilitator_token"]
        auth = {"Authorization": f"Bearer {fac}"}
        idea = (await client.post(f"/api/sessions/{sid}/ideas", headers=auth,
                                  json={"text": "Koffie om tien"})).json()["id"]
        joined = (await client.post(f"/api/sessions/{sid}/participants", json={
            "name": "Bram", "join_code": created["join_code"]})).json()
        url = f"{server.ws_url}/sessions/{sid}/board?token={joined['token']}"
        async with YClient(url) as browser:
            await browser.wait_for(lambda: idea in browser.doc.get("ideas", type=Map))

            def edit(doc: Doc[Any]) -> None:
                doc.get("clusters", type=Map)["c1"] = Map({
                    "id": "c1", "title": "Ritme", "color": None, "created_at": 1})
                elements = doc.get("elements", type=Array)
                elements.append(Map({"pos": "a0", "el": {
                    "id": "f1", "type": "frame", "x": -20, "y": -20, "width": 600,
                    "height": 200, "name": "Ritme", "customData": {"clusterId": "c1"},
                    "isDeleted": False}}))
                # Placed with the old text; the idea was edited since (on the board).
                for k, el in enumerate(sticky("s1", idea, "Koffie om negen", 0, "f1")):
                    elements.append(Map({"pos": f"a{k + 1}", "el": el}))
                for k, el in enumerate(sticky("s2", "no-such-idea", "Vijandige tekst", 300)):
                    elements.append(Map({"pos": f"a{k + 3}", "el": el}))
                elements.append(Map({"pos": "a5", "el": {
                    "id": "free", "type": "text", "x": 0, "y": 400, "text": "Vrije tekst",
                    "isDeleted": False}}))
                ideas = doc.get("ideas", type=Map)
                ideas[idea]["text"] = "Koffie om half elf"
                ideas[idea]["cluster_id"] = "c1"

            await browser.change(edit)
        async with YClient(url) as reader:
            await reader.wait_for(lambda: len(reader.doc.get("elements", type=Array)) == 6)

        md = (await client.get(f"/api/sessions/{sid}/export.md", headers=auth)).text
        assert md.count("Koffie om half elf") == 1  # with the ideas, not again as a note
        assert "Koffie om negen" not in md and "Vijandige tekst" not in md
        assert "Vrije tekst" in md

        archive = await client.get(f"/api/sessions/{sid}/export.zip", headers=auth)
        assert archive.status_code == 200, archive.text
        with zipfile.ZipFile(io.BytesIO(archive.content)) as package:
            names = package.namelist()
            scene = json.loads(package.read(next(n for n in names if n.endswith(".excalidraw"))))
            svg = package.read(next(n for n in names if n.endswith(".svg"))).decode()
        texts = {el["id"]: el for el in scene["elements"] if el["type"] == "text"}
        assert texts["s1-t"]["originalText"] == "Koffie om half elf"
        assert "Koffie om" in texts["s1-t"]["text"]
        assert "s2-t" not in texts  # a sticky of no idea keeps its shape, not its text
        boxes = {el["id"]: el for el in scene["elements"] if el["type"] == "rectangle"}
        assert boxes["s2"]["boundElements"] == []
        assert "half elf" in svg and "Vijandige" not in svg and "negen" not in svg
