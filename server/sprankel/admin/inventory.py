"""What the store holds per session, for `sprankel admin sessions` and `show`: state,
size (stored documents and versions), last activity, and when retention deletes it.

Reading is safe while a server runs (SQLite's WAL lets a reader in beside the writer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..facilitation.model import PARTICIPANT, SESSION, Participant, Session
from ..facilitation.ownership import session_documents
from ..facilitation.retention import expires_at
from ..facilitation.versions import VERSION
from ..store import Store


@dataclass(frozen=True)
class SessionInfo:
    session: Session
    participants: list[Participant]
    documents: dict[str, int]  # name -> stored bytes (snapshot and log)
    versions: list[dict[str, Any]]
    delete_after: int | None  # ms; None: kept until deleted by hand (or still open)

    @property
    def size(self) -> int:
        return sum(self.documents.values()) + sum(int(v.get("bytes", 0)) for v in self.versions)

    @property
    def last_activity(self) -> int:
        """The latest moment the store knows of: created, a round, a join, a version, the end."""
        s = self.session
        times = [s.created_at, s.started_at or 0, s.ended_at or 0]
        times += [p.joined_at for p in self.participants]
        times += [int(v.get("at", 0)) for v in self.versions]
        for rnd in s.rounds:
            times += [rnd.started_at or 0, rnd.ended_at or 0]
        return max(times)

    def to_json(self) -> dict[str, Any]:
        s = self.session
        return {
            "id": s.id, "title": s.title, "state": s.state, "locked": s.locked,
            "created_at": iso(s.created_at), "ended_at": iso(s.ended_at),
            "last_activity": iso(self.last_activity),
            "retention_days": s.retention_days, "delete_after": iso(self.delete_after),
            "size_bytes": self.size, "participants": len(self.participants),
            "rounds": len(s.rounds), "documents": self.documents,
            "versions": [{"id": v["id"], "at": iso(v.get("at")), "trigger": v.get("trigger"),
                          "ideas": v.get("ideas"), "elements": v.get("elements"),
                          "bytes": v.get("bytes")} for v in self.versions],
        }


def iso(ms: Any) -> str | None:
    if not isinstance(ms, int | float) or not ms:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


async def session_info(store: Store, sid: str, default_days: float) -> SessionInfo | None:
    data = await store.get_record(SESSION, sid)
    if data is None:
        return None
    session = Session.from_json(data)
    people = [Participant.from_json(p)
              for p in (await store.list_records(PARTICIPANT, f"{sid}/")).values()]
    documents = {}
    for name in session_documents(sid, [p.id for p in people]):
        size = sum(len(part) for part in await store.load(name))
        if size:
            documents[name] = size
    versions = [v for _, v in sorted((await store.list_records(VERSION, f"{sid}/")).items())]
    return SessionInfo(session, people, documents, versions,
                       expires_at(session, default_days))


async def all_sessions(store: Store, default_days: float) -> list[SessionInfo]:
    out = []
    for sid in await store.list_records(SESSION):
        info = await session_info(store, sid, default_days)
        if info is not None:
            out.append(info)
    out.sort(key=lambda i: i.last_activity, reverse=True)
    return out
