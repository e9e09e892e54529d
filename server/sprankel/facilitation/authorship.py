"""Who wrote an anonymous idea: a private store record, read only by the server.

Anonymous ideas reach the board without author (the server writes them, so no
client id of the author's either); yet their author may still edit and delete
them through the API. The record says whose idea it is. No endpoint and no
export returns it.
"""

from __future__ import annotations

from ..store import Store

AUTHORSHIP = "idea_author"


def _key(session_id: str, idea_id: str) -> str:
    return f"{session_id}/{idea_id}"


async def remember(store: Store, session_id: str, idea_id: str, participant_id: str) -> None:
    await store.put_record(AUTHORSHIP, _key(session_id, idea_id),
                           {"participant_id": participant_id})


async def author_of(store: Store, session_id: str, idea_id: str) -> str | None:
    record = await store.get_record(AUTHORSHIP, _key(session_id, idea_id))
    author = record.get("participant_id") if record else None
    return author if isinstance(author, str) else None


async def forget(store: Store, session_id: str, idea_id: str) -> None:
    await store.delete_record(AUTHORSHIP, _key(session_id, idea_id))
