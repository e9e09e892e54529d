"""What the facilitator reviews of a hidden round whose writing has closed: a copy of
every author's drafts of that round, taken when the round ended, in a record only the
server reads.

Drafts are frozen while no hidden round runs, but the next hidden round opens them
again: an author could then rewrite a reviewed idea, or a held-back one, before it is
revealed or released. Reveal publishes the copy, so what was reviewed is exactly what
reaches the board. Revealed ideas leave the copy; the record stays (empty at last)
as the sign that the copy was taken.

Record kind and key:
    hidden-review  SID/ROUND_ID   {"ideas": {participant_id: [Idea.to_json(), ...]}}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..store import Store
from .model import Idea

REVIEW = "hidden-review"

Drafts = dict[str, list[Idea]]


def _key(session_id: str, round_id: str) -> str:
    return f"{session_id}/{round_id}"


def _read(record: dict[str, Any]) -> Drafts:
    ideas = record.get("ideas")
    if not isinstance(ideas, dict):
        return {}
    return {pid: [Idea.from_json(i) for i in items if isinstance(i, dict)]
            for pid, items in ideas.items() if isinstance(items, list)}


async def frozen(store: Store, session_id: str, round_id: str,
                 read_drafts: Callable[[], Awaitable[Drafts]]) -> Drafts:
    """The copy of an ended round's drafts, taken now from `read_drafts` if there is none
    yet (the first taker wins across processes)."""
    key = _key(session_id, round_id)
    record = await store.get_record(REVIEW, key)
    if record is not None:
        return _read(record)
    drafts = await read_drafts()
    copy = {"ideas": {pid: [i.to_json() for i in ideas] for pid, ideas in drafts.items()
                      if ideas}, "frozen": True}

    def take(current: dict[str, Any] | None) -> dict[str, Any]:
        return current if current is not None else copy

    kept = await store.update_record(REVIEW, key, take)
    return _read(kept or copy)


async def remove(store: Store, session_id: str, round_id: str, idea_ids: set[str]) -> None:
    """Revealed ideas leave the copy (the record stays, empty, as the sign it was taken)."""
    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        if current is None:
            return None
        left = {pid: [i for i in ideas if i.id not in idea_ids]
                for pid, ideas in _read(current).items()}
        return {"ideas": {pid: [i.to_json() for i in ideas] for pid, ideas in left.items()
                          if ideas}, "frozen": True}

    await store.update_record(REVIEW, _key(session_id, round_id), change)
