"""A running round's deadline survives a restart of the server: after the restart the
round still ends by itself, at the deadline it had."""

from __future__ import annotations

from typing import Any

from pycrdt import Map

from api_harness import Api
from conftest import ServerFactory
from sprankel.facilitation.model import SESSION, Session
from sprankel.facilitation.rounds import finish
from sprankel.store.sqlite import SQLiteStore


async def test_restart_in_the_middle_of_a_round(start_server: ServerFactory) -> None:
    server = start_server("--room-grace-s", "0.5")
    api = Api(server)
    try:
        sid, f, code = await api.create()
        ann = await api.join(sid, code, "Ann")
        rid = await api.round(sid, f, hidden=True, duration_s=3, auto_reveal=True)
        started = await api.act(sid, f, rid, "start")
        await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Survivor"},
                       expect=201)

        server.stop()
        server.start()

        view = await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
        assert view["agenda"][0]["deadline"] in (started["deadline"], None)
        async with api.ws(f"sessions/{sid}/control", ann.token) as control:
            def ended() -> bool:
                current = control.doc.get("control", type=Map).get("round") or {}
                return current.get("state") == "ended" and current.get("revealed") is True

            await control.wait_for(ended, timeout=20)
            current = control.doc.get("control", type=Map)["round"]
            assert current["ended_at"] == started["deadline"]  # ended at its deadline
        async with api.ws(f"sessions/{sid}/board", ann.token) as board:
            texts = [i["text"] for i in board.doc.get("ideas", type=Map).values()]
            assert texts == ["Survivor"]  # the hidden idea was kept and revealed
    finally:
        await api.aclose()


async def test_a_round_that_ended_without_its_reveal_is_revealed_at_the_next_start(
        start_server: ServerFactory) -> None:
    """The process stopped between the round's end and its reveal (the record says ended,
    the ideas are still in the drafts): the next start finishes the reveal."""
    server = start_server("--room-grace-s", "0.5")
    api = Api(server)
    try:
        sid, f, code = await api.create()
        ann = await api.join(sid, code, "Ann")
        rid = await api.round(sid, f, hidden=True, duration_s=600, auto_reveal=True)
        await api.act(sid, f, rid, "start")
        await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Survivor"},
                       expect=201)
        server.stop()

        # What an interrupted end leaves behind: ended, not revealed.
        store = SQLiteStore(server.data_dir / "sprankel.sqlite3")
        await store.start()
        try:
            def ended_only(data: dict[str, Any] | None) -> dict[str, Any]:
                assert data is not None
                session = Session.from_json(data)
                finish(session.rounds[0], session.rounds[0].started_at or 0)
                session.version += 1
                return session.to_json()

            await store.update_record(SESSION, sid, ended_only)
        finally:
            await store.close()

        server.start()
        async with api.ws(f"sessions/{sid}/control", ann.token) as control:
            def revealed() -> bool:
                current = control.doc.get("control", type=Map).get("round") or {}
                return current.get("revealed") is True

            await control.wait_for(revealed, timeout=20)
        async with api.ws(f"sessions/{sid}/board", ann.token) as board:
            texts = [i["text"] for i in board.doc.get("ideas", type=Map).values()]
            assert texts == ["Survivor"]
    finally:
        await api.aclose()


async def test_a_control_document_behind_its_record_is_caught_up_at_the_next_start(
        start_server: ServerFactory) -> None:
    """The process stopped after a round's end and reveal reached the record but before
    the control document was written (a deadline that fired while the process was shutting
    down, or a SIGKILL): the next start rewrites the control document, or clients would see
    the round running for ever (the intermittent failure of the test above under load)."""
    server = start_server("--room-grace-s", "0.5")
    api = Api(server)
    try:
        sid, f, code = await api.create()
        ann = await api.join(sid, code, "Ann")
        rid = await api.round(sid, f, hidden=False, duration_s=600)
        started = await api.act(sid, f, rid, "start")
        server.stop()

        store = SQLiteStore(server.data_dir / "sprankel.sqlite3")
        await store.start()
        try:
            def ended_and_revealed(data: dict[str, Any] | None) -> dict[str, Any]:
                assert data is not None
                session = Session.from_json(data)
                finish(session.rounds[0], started["started_at"] + 1000)
                session.rounds[0].revealed = True
                session.version += 1
                return session.to_json()

            await store.update_record(SESSION, sid, ended_and_revealed)
        finally:
            await store.close()

        server.start()
        async with api.ws(f"sessions/{sid}/control", ann.token) as control:
            def ended() -> bool:
                current = control.doc.get("control", type=Map).get("round") or {}
                return current.get("state") == "ended"

            await control.wait_for(ended, timeout=20)
    finally:
        await api.aclose()
