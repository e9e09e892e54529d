"""The control document carries every public field the session page shows, so browsers
render the session from it and ask the API only for their own share (docs/api.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pycrdt import Map

from api_harness import Api
from conftest import ServerFactory


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server())
    yield client
    await client.aclose()


async def test_the_control_document_carries_the_settings_the_page_shows(api: Api) -> None:
    created = await api.call("POST", "/sessions", body={
        "title": "Samenvatting mee", "settings": {"participants_can_export": True,
                                                  "vote_budget": 4}}, expect=201)
    sid, f_token = created["id"], created["facilitator_token"]
    ann = await api.join(sid, created["join_code"], "Ann")
    control = await api.ws(f"sessions/{sid}/control", ann.token).connect()
    try:
        def settings() -> object:
            return dict(control.doc.get("control", type=Map).items()).get("settings")

        # The first state is written when the session is created or the room opens.
        await api.call("POST", f"/sessions/{sid}/lock", f_token)
        await control.wait_for(lambda: isinstance(settings(), dict))
        shown = settings()
        assert isinstance(shown, dict)
        assert shown["participants_can_export"] is True
        assert shown["vote_budget"] == 4
        view = await api.call("GET", f"/sessions/{sid}", ann.token)
        assert set(view["settings"]) == set(shown)
    finally:
        await control.close()
