"""A running round's deadline survives a restart of the server: after the restart the
round still ends by itself, at the deadline it had."""

from __future__ import annotations

from pycrdt import Map

from api_harness import Api
from conftest import ServerFactory


async def test_restart_in_the_middle_of_a_round(start_server: ServerFactory) -> None:
    server = start_server("--room-grace-s", "0.5")
    api = Api(server)
    try:
        sid, f, code = await api.create()
        ann = await api.join(sid, code, "Ann")
        rid = await api.round(sid, f, hidden=True, duration_s=3)
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
