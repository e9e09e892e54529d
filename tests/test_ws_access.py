"""Who may open a session's documents: every refusal is a documented 44xx close code,
sent before any content; names outside sessions are closed unless --open-documents."""

from __future__ import annotations

from pycrdt import Map

from api_harness import Api, refused, session_of_four
from conftest import ServerFactory
from sprankel import status
from sprankel.kernel.tokens import Claims, TokenSigner


async def test_missing_token_is_4401(api: Api) -> None:
    sid, *_ = await session_of_four(api)
    client = api.ws(f"sessions/{sid}/board", None)
    assert (await refused(client))[0] == status.CLOSE_UNAUTHORIZED
    assert client.received == []  # nothing of the document was sent


async def test_forged_token_is_4401(api: Api) -> None:
    sid, _, ann, *_ = await session_of_four(api)
    head, payload, signature = ann.token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}AA"
    client = api.ws(f"sessions/{sid}/board", forged)
    assert (await refused(client))[0] == status.CLOSE_UNAUTHORIZED
    assert client.received == []


async def test_token_of_another_session_is_4403(api: Api) -> None:
    sid, *_ = await session_of_four(api)
    _other_sid, other_f, _ = await api.create(title="Other")
    client = api.ws(f"sessions/{sid}/board", other_f.token)
    assert (await refused(client))[0] == status.CLOSE_FORBIDDEN
    assert client.received == []


async def test_another_participants_drafts_are_4403(api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    client = api.ws(f"sessions/{sid}/drafts/{bob.id}", ann.token)
    assert (await refused(client))[0] == status.CLOSE_FORBIDDEN
    assert client.received == []


async def test_an_observer_has_no_drafts(api: Api) -> None:
    sid, *_, obs = await session_of_four(api)
    client = api.ws(f"sessions/{sid}/drafts/{obs.id}", obs.token)
    assert (await refused(client))[0] == status.CLOSE_FORBIDDEN


async def test_unknown_session_is_4404(api: Api) -> None:
    sid, f, *_ = await session_of_four(api)
    # A token for the session, a name under sessions/ that is no session document.
    client = api.ws(f"sessions/{sid}/secrets", f.token)
    assert (await refused(client))[0] == status.CLOSE_NOT_FOUND


async def test_a_signed_token_for_a_session_that_does_not_exist_is_4404(api: Api) -> None:
    key = (api.server.data_dir / "secret_key").read_bytes()
    await session_of_four(api)  # the key exists once the server ran
    token = TokenSigner(key).sign(Claims("nosuchsession", "someone", "facilitator"))
    client = api.ws("sessions/nosuchsession/board", token)
    assert (await refused(client))[0] == status.CLOSE_NOT_FOUND


async def test_a_session_id_without_a_token_is_4401_whether_it_exists_or_not(api: Api) -> None:
    sid, *_ = await session_of_four(api)
    for name in ("sessions/nosuchsession/board", f"sessions/{sid}/control"):
        assert (await refused(api.ws(name, None)))[0] == status.CLOSE_UNAUTHORIZED


async def test_documents_outside_sessions_are_closed_by_default(api: Api) -> None:
    client = api.ws("scratch/pad", None)
    assert (await refused(client))[0] == status.CLOSE_NOT_FOUND
    assert client.received == []


async def test_open_documents_serve_names_outside_sessions(start_server: ServerFactory) -> None:
    server = start_server("--open-documents")
    api = Api(server)
    try:
        async with api.ws("scratch/pad", None) as client:
            assert client.synced.is_set()
        # Session documents keep their rules even then.
        sid, *_ = await session_of_four(api)
        assert (await refused(api.ws(f"sessions/{sid}/board", None)))[0] == (
            status.CLOSE_UNAUTHORIZED)
    finally:
        await api.aclose()
    assert "OPEN DOCUMENTS" in server.log()


async def test_members_open_board_control_and_their_own_drafts(api: Api) -> None:
    sid, f, ann, _, obs = await session_of_four(api)
    for name, token in [(f"sessions/{sid}/board", obs.token),
                        (f"sessions/{sid}/control", obs.token),
                        (f"sessions/{sid}/drafts/{ann.id}", ann.token),
                        (f"sessions/{sid}/drafts/{ann.id}", f.token)]:
        async with api.ws(name, token) as client:
            assert client.synced.is_set(), name


async def test_ending_the_session_closes_drafts_with_4410(api: Api) -> None:
    sid, f, ann, *_ = await session_of_four(api)
    drafts = await api.ws(f"sessions/{sid}/drafts/{ann.id}", ann.token).connect()
    board = await api.ws(f"sessions/{sid}/board", ann.token).connect()
    try:
        await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
        assert await drafts.wait_closed() == status.CLOSE_GONE
        again = api.ws(f"sessions/{sid}/drafts/{ann.id}", ann.token)
        assert (await refused(again))[0] == status.CLOSE_GONE
        # The board stays readable (read-only) after the end.
        await board.change(lambda doc: doc.get("notes", type=Map).__setitem__("late", "x"))
        async with api.ws(f"sessions/{sid}/board", f.token) as reader:
            assert "late" not in reader.doc.get("notes", type=Map)
    finally:
        await drafts.close()
        await board.close()


async def test_open_documents_leave_real_sessions_their_rules(
        start_server: ServerFactory) -> None:
    api = Api(start_server("--open-documents"))
    try:
        # A name under sessions/ that belongs to no session is an open document then.
        async with api.ws("sessions/not-a-session/board", None) as client:
            assert client.synced.is_set()
        sid, _f, ann, bob, _ = await session_of_four(api)
        assert (await refused(api.ws(f"sessions/{sid}/board", None)))[0] == (
            status.CLOSE_UNAUTHORIZED)
        assert (await refused(api.ws(f"sessions/{sid}/drafts/{bob.id}", ann.token)))[0] == (
            status.CLOSE_FORBIDDEN)
    finally:
        await api.aclose()
