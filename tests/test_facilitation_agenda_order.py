"""The agenda can be reordered: a planned round moves to another place; rounds that ran
keep theirs; a bad place is a clear 422 and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api_harness import Api
from conftest import ServerFactory
from facilitation_harness import add_round, control, process, team
from sprankel.facilitation.errors import WrongPhase
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Forbidden


async def test_a_planned_round_moves_and_one_that_ran_does_not(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        a, b, c = [await add_round(p.engine, t, prompt=name) for name in "abc"]
        agenda = p.engine.agenda

        async def order() -> list[str]:
            return [r["prompt"] for r in (await control(p, t.session.id))["agenda"]]

        await agenda.move_round(await p.engine.sessions.get(t.session.id), t.facilitator, c, 0)
        assert await order() == ["c", "a", "b"]
        await agenda.move_round(await p.engine.sessions.get(t.session.id), t.facilitator, c, 99)
        assert await order() == ["a", "b", "c"]  # beyond the end: last
        await agenda.round_action(await p.engine.sessions.get(t.session.id), t.facilitator, a,
                                  "start")
        with pytest.raises(WrongPhase):
            await agenda.move_round(await p.engine.sessions.get(t.session.id),
                                    t.facilitator, a, 2)
        with pytest.raises(Forbidden):
            await agenda.move_round(await p.engine.sessions.get(t.session.id),
                                    t.people[0], b, 0)
        assert await order() == ["a", "b", "c"]


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server())
    yield client
    await client.aclose()


async def test_moving_through_the_api_checks_the_place(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    first = await api.round(sid, f, prompt="first")
    second = await api.round(sid, f, prompt="second")
    for body in ({"position": -1}, {"position": "1"}, {}, {"position": 0, "x": 1}):
        refused = await api.call("POST", f"/sessions/{sid}/rounds/{second}/move", f.token,
                                 body, expect=422)
        assert refused["error"] == "invalid"
    await api.call("POST", f"/sessions/{sid}/rounds/{second}/move", ann.token,
                   {"position": 0}, expect=403)
    moved = await api.call("POST", f"/sessions/{sid}/rounds/{second}/move", f.token,
                           {"position": 0}, expect=200)
    assert moved["id"] == second
    view = await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
    assert [r["id"] for r in view["agenda"]] == [second, first]
