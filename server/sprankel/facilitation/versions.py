"""The version history of a session's board: snapshots, their list and preview, a restore.

A version is the board document's whole state at one moment, kept as two records in
the store (so every store implementation keeps versions without knowing of them, and
no client can open one: records are never documents):

    board-version       SID/VID   what the list shows: id, at, trigger, counts, who was
                                  active, size, the board's state vector
    board-version-data  SID/VID   {"update": base64 of the board's state as one update}
    board-activity      SID       {"participants": [...]}: who connected to the board or
                                  edited through the API since the last version

Versions are taken at intervals while the board changes (``interval``: only when the
board's state vector moved on since the last version) and always before a reveal, a
lock, a restore and the end. Version ids sort by time.

Retention per session (``VersionRetention``): at most ``max_versions`` versions and
``max_bytes`` of snapshots. Beyond either, the oldest interval version goes first; only
when no interval version is left the oldest triggered one; the newest version always
stays. A session's versions are deleted with it (ownership.py).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map

from ..audit.trail import actor
from ..kernel.errors import NotFound
from ..kernel.ids import new_id
from ..sync.reading import to_plain
from . import board_diff
from . import documents as docs
from .core import Core
from .model import Participant, Session
from .roles import require_facilitator

log = logging.getLogger("sprankel.facilitation")

VERSION = "board-version"
VERSION_DATA = "board-version-data"
ACTIVITY = "board-activity"

INTERVAL = "interval"
TRIGGERS = (INTERVAL, "reveal", "lock", "restore", "end")

DEFAULT_INTERVAL_S = 300.0
_VID = re.compile(r"v[0-9]{13}-[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class VersionRetention:
    max_versions: int = 100
    max_bytes: int = 64 * 1024 * 1024


def versions_to_drop(versions: list[dict[str, Any]], rule: VersionRetention) -> list[str]:
    """The ids the retention rule removes, given every version's record (any order)."""
    kept = sorted(versions, key=lambda v: str(v["id"]))
    total = sum(int(v.get("bytes", 0)) for v in kept)
    drop: list[str] = []
    while len(kept) > 1 and (len(kept) > rule.max_versions or total > rule.max_bytes):
        older = kept[:-1]  # the newest always stays
        victim = next((v for v in older if v.get("trigger") == INTERVAL), older[0])
        kept.remove(victim)
        total -= int(victim.get("bytes", 0))
        drop.append(str(victim["id"]))
    return drop


def _key(sid: str, vid: str) -> str:
    return f"{sid}/{vid}"


@dataclass(frozen=True)
class _Board:
    update: bytes
    state: bytes
    ideas: int
    elements: int


def _read_board(doc: Doc[Any]) -> _Board:
    return _Board(doc.get_update(), doc.get_state(), len(doc.get(docs.IDEAS, type=Map)),
                  board_diff.element_count(doc))


# Called after a restore, in the process that did it: the session, the facilitator, the
# version restored and the version taken just before (the audit trail records it here).
RestoredHook = Callable[[Session, Participant, dict[str, Any], dict[str, Any]], Awaitable[None]]


class Versions:
    def __init__(self, core: Core, retention: VersionRetention | None = None,
                 interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.core = core
        self.retention = retention or VersionRetention()
        self.interval_s = interval_s
        self.on_restored: list[RestoredHook] = []

    # Taking versions

    async def take(self, sid: str, trigger: str, only_if_changed: bool = False
                   ) -> dict[str, Any] | None:
        """Snapshot the board now; None when only_if_changed and nothing changed."""
        core = self.core
        board = await core.documents.read(docs.board_name(sid), _read_board)
        if only_if_changed:
            latest = await self._latest(sid)
            state = base64.b64encode(board.state).decode("ascii")
            if (latest is None and board.ideas == 0 and board.elements == 0) or (
                    latest is not None and latest.get("state") == state):
                return None
        now = core.clock.now_ms()
        vid = f"v{now:013d}-{new_id()}"
        active = await self._active(sid)
        meta: dict[str, Any] = {
            "id": vid, "at": now, "trigger": trigger, "ideas": board.ideas,
            "elements": board.elements, "active": active, "bytes": len(board.update),
            "state": base64.b64encode(board.state).decode("ascii"),
        }
        # The data first: a version listed is a version that can be restored.
        await core.store.put_record(VERSION_DATA, _key(sid, vid),
                                    {"update": base64.b64encode(board.update).decode("ascii")})
        await core.store.put_record(VERSION, _key(sid, vid), meta)
        await core.store.put_record(ACTIVITY, sid, {"participants": []})
        await self._apply_retention(sid)
        log.info("board version taken session=%s version=%s trigger=%s bytes=%d", sid, vid,
                 trigger, len(board.update))
        return meta

    async def note_active(self, sid: str, participant_id: str) -> None:
        """Someone connected to the board or edited it: named in the next version.
        Best effort: a store that fails here must not keep anyone off the board."""
        try:
            await self._note_active(sid, participant_id)
        except Exception:
            log.warning("noting who is active failed session=%s", sid, exc_info=True)

    async def _note_active(self, sid: str, participant_id: str) -> None:
        record = await self.core.store.get_record(ACTIVITY, sid)
        if record is not None and participant_id in record.get("participants", []):
            return

        def add(data: dict[str, Any] | None) -> dict[str, Any]:
            people = list((data or {}).get("participants", []))
            if participant_id not in people:
                people.append(participant_id)
            return {"participants": people}

        await self.core.store.update_record(ACTIVITY, sid, add)

    async def _active(self, sid: str) -> list[str]:
        record = await self.core.store.get_record(ACTIVITY, sid) or {}
        people = [p for p in record.get("participants", []) if isinstance(p, str)]
        for entry in await self.core.broker.presence(docs.board_name(sid)):
            pid = entry.user.get("id")
            if isinstance(pid, str) and pid not in people:
                people.append(pid)
        return people

    async def _latest(self, sid: str) -> dict[str, Any] | None:
        records = await self.core.store.list_records(VERSION, f"{sid}/")
        return records[max(records)] if records else None

    async def _apply_retention(self, sid: str) -> None:
        records = await self.core.store.list_records(VERSION, f"{sid}/")
        for vid in versions_to_drop(list(records.values()), self.retention):
            await self.core.store.delete_record(VERSION, _key(sid, vid))
            await self.core.store.delete_record(VERSION_DATA, _key(sid, vid))

    async def run_intervals(self) -> None:
        """Every interval: a version of each board open here that changed since its last.
        With several processes the board's lease lets one of them take it."""
        while True:
            await asyncio.sleep(self.interval_s)
            await self.take_interval_versions()

    async def take_interval_versions(self) -> int:
        taken = 0
        for name in self.core.documents.open_rooms:
            document = docs.parse_document_name(name)
            if document is None or document.kind != "board":
                continue
            sid = document.session_id
            try:
                if await self.core.store.get_record("session", sid) is None:
                    continue  # an open document outside any session (--open-documents)
                if not await self.core.broker.acquire_once(f"version:{sid}",
                                                           self.interval_s * 0.9):
                    continue
                if await self.take(sid, INTERVAL, only_if_changed=True) is not None:
                    taken += 1
            except Exception:
                log.exception("interval version failed session=%s", sid)
        return taken

    # Reading and restoring (the facilitator)

    async def history(self, session: Session, who: Participant) -> list[dict[str, Any]]:
        require_facilitator(who)
        records = await self.core.store.list_records(VERSION, f"{session.id}/")
        people = {p.id: p for p in await self.core.participants(session.id)}
        return [self._public(session, records[k], people) for k in sorted(records, reverse=True)]

    def _public(self, session: Session, meta: dict[str, Any],
                people: dict[str, Participant]) -> dict[str, Any]:
        active = []
        for pid in meta.get("active", []):
            person = people.get(pid)
            entry: dict[str, Any] = {"id": pid,
                                     "role": person.role if person else None}
            if not session.anonymous:  # in an anonymous session: who, never by name
                entry["name"] = person.name if person else None
            active.append(entry)
        return {"id": meta["id"], "at": meta["at"], "trigger": meta["trigger"],
                "ideas": meta.get("ideas", 0), "elements": meta.get("elements", 0),
                "bytes": meta.get("bytes", 0), "active": active}

    async def _load(self, session: Session, vid: str) -> tuple[dict[str, Any], Doc[Any]]:
        if not _VID.fullmatch(vid):
            raise NotFound("no such version of this board")  # a malformed id names none
        meta = await self.core.store.get_record(VERSION, _key(session.id, vid))
        data = await self.core.store.get_record(VERSION_DATA, _key(session.id, vid))
        if meta is None or data is None:
            raise NotFound("no such version of this board")
        doc: Doc[Any] = Doc()
        doc.apply_update(base64.b64decode(data["update"]))
        return meta, doc

    async def preview(self, session: Session, who: Participant, vid: str) -> dict[str, Any]:
        """The board as the version holds it: ideas, clusters, notes and the whiteboard."""
        require_facilitator(who)
        meta, doc = await self._load(session, vid)
        people = {p.id: p for p in await self.core.participants(session.id)}
        ideas = sorted((i.to_json() for i in docs.read_ideas(doc)),
                       key=lambda i: (i.get("created_at") or 0, i["id"]))
        return {
            **self._public(session, meta, people),
            "board": {
                "ideas": ideas,
                "clusters": _entries(doc, docs.CLUSTERS),
                "notes": _entries(doc, docs.NOTES),
                "whiteboard": {"elements": board_diff.live_elements(doc),
                               "files": sorted(doc.get(docs.ASSETS, type=Map).keys())},
            },
        }

    async def restore(self, session: Session, who: Participant, vid: str
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Make the live board equal to a version; returns the version restored and the
        version taken just before (the restore's own, so it can be undone)."""
        require_facilitator(who)
        meta, target = await self._load(session, vid)
        before = await self.take(session.id, "restore")
        assert before is not None
        now = self.core.clock.now_ms()
        await self.core.documents.apply_server_change(
            docs.board_name(session.id),
            lambda live: board_diff.restore_board(live, target, now))
        log.info("board version restored session=%s version=%s by=%s", session.id, vid, who.id)
        await self.core.audit.record(session.id, "version.restored", actor(who), vid)
        people = {p.id: p for p in await self.core.participants(session.id)}
        restored, kept = self._public(session, meta, people), self._public(session, before, people)
        for hook in self.on_restored:
            await hook(session, who, restored, kept)
        return restored, kept


def _entries(doc: Doc[Any], name: str) -> list[dict[str, Any]]:
    out = []
    for key, value in doc.get(name, type=Map).items():
        plain = to_plain(value)
        if isinstance(plain, dict):
            out.append({**plain, "id": key})
    return sorted(out, key=lambda e: str(e["id"]))
