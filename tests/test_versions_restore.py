"""The board's version history on a real server: a participant wipes the board (ideas
and whiteboard) while three clients are connected, the facilitator restores a version,
and all three show the restored board without a reload; versions are taken before a
lock and the end; the preview is read-only; bad requests change nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pycrdt import Array, Doc, Map

from api_harness import Api, Member
from conftest import ServerFactory
from yclient import YClient


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server("--room-grace-s", "0.5", "--version-interval-s", "0.5"))
    yield client
    await client.aclose()


def element(el_id: str, text: str, version: int = 1, deleted: bool = False) -> dict[str, Any]:
    return {"id": el_id, "type": "text", "text": text, "originalText": text, "x": 10.0,
            "y": 20.0, "version": float(version), "versionNonce": 7.0, "isDeleted": deleted}


def ideas(client: YClient) -> dict[str, str]:
    out = {}
    for key, value in client.doc.get("ideas", type=Map).items():
        if isinstance(value, Map):
            out[key] = str(value.get("text"))
    return out


def shown_elements(client: YClient) -> dict[str, str]:
    """What Excalidraw shows: per id the newest copy, unless it is deleted."""
    newest: dict[str, dict[str, Any]] = {}
    for item in client.doc.get("elements", type=Array):
        el = item.get("el") if isinstance(item, Map) else None
        if isinstance(el, dict):
            known = newest.get(el["id"])
            if known is None or el["version"] > known["version"]:
                newest[el["id"]] = el
    return {k: v["text"] for k, v in newest.items() if not v.get("isDeleted")}


def add_board(doc: Doc[Any]) -> None:
    board = doc.get("ideas", type=Map)
    for i, text in enumerate(["Koffie om tien uur", "Een digitale borrel", "Wandelen en bellen"]):
        board[f"idea{i}"] = Map({"id": f"idea{i}", "text": text, "author_id": None,
                                 "author_name": None, "round_id": None, "cluster_id": None,
                                 "color": "yellow", "created_at": 1000 + i})
    elements = doc.get("elements", type=Array)
    for i, text in enumerate(["Teamdag", "Planning"]):
        elements.append(Map({"pos": f"a{i}", "el": element(f"el{i}", text)}))


def wipe(doc: Doc[Any]) -> None:
    """What a participant does with select-all and delete in both views."""
    board = doc.get("ideas", type=Map)
    for key in list(board):
        del board[key]
    for item in doc.get("elements", type=Array):
        el = dict(item["el"])
        item["el"] = {**el, "isDeleted": True, "version": el["version"] + 1}


async def versions(api: Api, sid: str, f: Member) -> list[dict[str, Any]]:
    return list((await api.call("GET", f"/sessions/{sid}/versions", f.token,
                                expect=200))["versions"])


async def wait_for_version(api: Api, sid: str, f: Member, check: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for version in await versions(api, sid, f):
            if check(version):
                return version
        await asyncio.sleep(0.05)
    raise AssertionError(f"no such version: {await versions(api, sid, f)}")


async def test_a_wiped_board_is_restored_for_three_connected_clients(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    board = f"sessions/{sid}/board"
    clients = [await api.ws(board, m.token).connect() for m in (f, ann, bob)]
    try:
        await clients[1].change(add_board)
        for client in clients:
            await client.wait_for(lambda c=client: len(ideas(c)) == 3
                                  and len(shown_elements(c)) == 2)
        full = await wait_for_version(api, sid, f,
                                      lambda v: v["ideas"] == 3 and v["elements"] == 2)
        assert full["trigger"] == "interval"
        names = {p.get("name") for p in full["active"]}
        assert {"Ann", "Bob"} <= names

        await clients[2].change(wipe)  # Bob wipes everything
        for client in clients:
            await client.wait_for(lambda c=client: not ideas(c) and not shown_elements(c))

        preview = await api.call("GET", f"/sessions/{sid}/versions/{full['id']}", f.token,
                                 expect=200)
        assert sorted(i["text"] for i in preview["board"]["ideas"]) == [
            "Een digitale borrel", "Koffie om tien uur", "Wandelen en bellen"]
        assert sorted(e["text"] for e in preview["board"]["whiteboard"]["elements"]) == [
            "Planning", "Teamdag"]
        # The preview changed nothing.
        assert not ideas(clients[0]) and not shown_elements(clients[0])

        # Participants may not restore; nothing changes.
        await api.call("POST", f"/sessions/{sid}/versions/{full['id']}/restore", ann.token,
                       expect=403)
        restored = await api.call("POST", f"/sessions/{sid}/versions/{full['id']}/restore",
                                  f.token, expect=200)
        assert restored["restored"]["id"] == full["id"]
        assert restored["before"]["trigger"] == "restore"
        assert restored["before"]["ideas"] == 0
        for client in clients:  # the same connections: no reload
            await client.wait_for(lambda c=client: sorted(ideas(c).values()) == [
                "Een digitale borrel", "Koffie om tien uur", "Wandelen en bellen"]
                and shown_elements(c) == {"el0": "Teamdag", "el1": "Planning"})
            assert not client.closed.is_set()
        # The restore is itself a version: the wiped board can be brought back too.
        listed = await versions(api, sid, f)
        assert restored["before"]["id"] in [v["id"] for v in listed]
        # ... and the audit trail says who restored which version.
        trail = await api.call("GET", f"/sessions/{sid}/audit", f.token, expect=200)
        assert [(e["actor"]["participant_id"], e["object"]["id"]) for e in trail["entries"]
                if e["action"] == "version.restored"] == [(f.id, full["id"])]
    finally:
        for client in clients:
            await client.close()


async def test_versions_are_taken_before_a_lock_and_the_end(api: Api) -> None:
    sid, f, code = await api.create(settings={"anonymous": True})
    ann = await api.join(sid, code, "Ann")
    async with api.ws(f"sessions/{sid}/board", ann.token) as client:
        await client.change(add_board)
        await api.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)
        locked = await wait_for_version(api, sid, f, lambda v: v["trigger"] == "lock")
        assert locked["ideas"] == 3
        # Anonymous: who was active by id and role, never by name.
        assert locked["active"] and all("name" not in p for p in locked["active"])
        assert ann.id in [p["id"] for p in locked["active"]]
        await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    triggers = [v["trigger"] for v in await versions(api, sid, f)]
    assert "end" in triggers and "lock" in triggers


async def test_bad_version_requests_are_refused(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    base = f"/sessions/{sid}/versions"
    await api.call("GET", base, ann.token, expect=403)
    await api.call("GET", base, None, expect=401)
    missing = await api.call("GET", base + "/v0000000000000-nothere", f.token, expect=404)
    assert missing["error"] == "not_found"
    bad = await api.call("GET", base + "/..%2Fsecret", f.token)
    assert bad is not None and "error" in bad
    await api.call("GET", base + "/not-a-version", f.token, expect=404)
    await api.call("POST", base + "/v0000000000000-nothere/restore", f.token, expect=404)
    assert await versions(api, sid, f) == []


async def test_an_offline_client_merges_its_edits_with_a_restore(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    board = f"sessions/{sid}/board"
    online = await api.ws(board, ann.token).connect()
    await online.change(add_board)
    full = await wait_for_version(api, sid, f, lambda v: v["ideas"] == 3)
    offline = await api.ws(board, ann.token).connect()
    await offline.wait_for(lambda: len(ideas(offline)) == 3)
    await offline.close()
    try:
        await online.change(wipe)
        await online.wait_for(lambda: not ideas(online))
        # While it is away, the offline client writes a new idea on its stale board.
        with offline.doc.transaction():
            offline.doc.get("ideas", type=Map)["later"] = Map({"id": "later",
                                                               "text": "Onderweg bedacht"})
        await api.call("POST", f"/sessions/{sid}/versions/{full['id']}/restore", f.token,
                       expect=200)
        back = YClient(offline.url, doc=offline.doc)
        await back.connect()
        expected = ["Een digitale borrel", "Koffie om tien uur", "Onderweg bedacht",
                    "Wandelen en bellen"]
        for client in (online, back):
            await client.wait_for(lambda c=client: sorted(ideas(c).values()) == expected)
        await back.close()
    finally:
        await online.close()


async def test_a_restore_brings_back_clusters_notes_and_images(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    async with api.ws(f"sessions/{sid}/board", ann.token) as client:
        def fill(doc: Doc[Any]) -> None:
            add_board(doc)
            doc.get("clusters", type=Map)["c1"] = Map({"id": "c1", "title": "Samen"})
            doc.get("notes", type=Map)["n1"] = Map({"id": "n1", "kind": "decision",
                                                    "text": "Elke week koffie"})
            doc.get("assets", type=Map)["img1"] = {"id": "img1", "dataURL": "data:image/png;x"}
            doc.get("ideas", type=Map)["idea0"]["cluster_id"] = "c1"

        await client.change(fill)
        full = await wait_for_version(api, sid, f, lambda v: v["ideas"] == 3)

        def change(doc: Doc[Any]) -> None:
            del doc.get("clusters", type=Map)["c1"]
            del doc.get("notes", type=Map)["n1"]
            del doc.get("assets", type=Map)["img1"]
            doc.get("ideas", type=Map)["idea1"]["text"] = "Veranderd"
            doc.get("elements", type=Array).append(Map({"pos": "a9", "el": element(
                "late", "Later getekend")}))

        await client.change(change)
        await api.call("POST", f"/sessions/{sid}/versions/{full['id']}/restore", f.token,
                       expect=200)

        def restored() -> bool:
            doc = client.doc
            return ("c1" in doc.get("clusters", type=Map) and "n1" in doc.get("notes", type=Map)
                    and "img1" in doc.get("assets", type=Map)
                    and ideas(client)["idea1"] == "Een digitale borrel"
                    and doc.get("ideas", type=Map)["idea0"]["cluster_id"] == "c1"
                    and shown_elements(client) == {"el0": "Teamdag", "el1": "Planning"})

        await client.wait_for(restored)
