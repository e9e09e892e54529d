"""A fresh join is answered from the room's kept encoding of the whole document; every
change (an addition, a deletion) makes the next fresh join see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

from server_process import ServerProcess
from yclient import YClient


def ideas(doc: Doc[Any]) -> dict[str, Any]:
    return dict(doc.get("ideas", type=Map).to_py() or {})


async def joined(url: str) -> dict[str, Any]:
    """What a fresh client holds once synced: the answer to its empty step 1 alone."""
    async with YClient(url) as client:
        return ideas(client.doc)


async def edit_and_wait(writer: YClient, observer: YClient, edit: Callable[[Map[Any]], Any],
                        expected: dict[str, Any]) -> None:
    """Once the observer has the change, the server has applied, stored and sent it."""
    await writer.change(lambda d: edit(d.get("ideas", type=Map)))
    await observer.wait_for(lambda: ideas(observer.doc) == expected, timeout=30)


async def test_a_fresh_join_after_an_update_sees_it(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/sessions/fresh/board"
    async with YClient(url) as writer, YClient(url) as observer:
        await edit_and_wait(writer, observer, lambda m: m.__setitem__("a", "first"),
                            {"a": "first"})
        assert await joined(url) == {"a": "first"}
        assert await joined(url) == {"a": "first"}  # the kept answer, twice

        await edit_and_wait(writer, observer, lambda m: m.__setitem__("b", "second"),
                            {"a": "first", "b": "second"})
        assert await joined(url) == {"a": "first", "b": "second"}

        # A deletion leaves the state vector as it was; a fresh join must still see it.
        await edit_and_wait(writer, observer, lambda m: m.pop("a"), {"b": "second"})
        assert await joined(url) == {"b": "second"}


async def test_a_join_with_a_state_gets_what_it_lacks(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/sessions/partial/board"
    async with YClient(url) as writer, YClient(url) as observer:
        await edit_and_wait(writer, observer, lambda m: m.__setitem__("a", "first"),
                            {"a": "first"})
        assert await joined(url) == {"a": "first"}  # fills the kept answer
        known: Doc[Any] = Doc()
        known.apply_update(writer.doc.get_update())
        await edit_and_wait(writer, observer, lambda m: m.__setitem__("b", "second"),
                            {"a": "first", "b": "second"})
        async with YClient(url, doc=known) as late:
            await late.wait_for(lambda: ideas(late.doc) == {"a": "first", "b": "second"})
