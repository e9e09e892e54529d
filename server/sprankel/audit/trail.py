"""The audit trail of a session: one entry per action with consequences.

An entry says when (ms since the epoch), who (the actor: participant id and role, and the
account of a logged-in user; None for the server itself, such as a round's timer), what
(an action name of ACTIONS) and to what (the object: its type and id, and a few details).
It never carries user text (no idea or title), and never the author of an idea: the
object of an idea's entry is its id, and the actor is whoever acted on it (a facilitator
holding it back), so an anonymous round stays anonymous in the trail too.

Stored as records (store/base.py), so every store keeps it:

    audit      SID/SEQ   Entry.to_json()   SEQ: 10 digits, from 1, gapless but for a crash
    audit_seq  SID       {"last": SEQ}     the number handed out last

The number comes from an atomic update of the session's counter (also across processes),
so the order of the keys is the one order of the trail everywhere; deleting a session
deletes both kinds for it (`AuditTrail.forget`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..kernel.clock import Clock
from ..store import Store
from ..store.base import JSON

log = logging.getLogger("sprankel.audit")

AUDIT = "audit"
AUDIT_SEQUENCE = "audit_seq"

# The role of an entry the server made by itself (a deadline, a reveal that followed it).
SYSTEM = "system"

# Every action name, with what its object is. Other features record theirs with the same
# call (AuditTrail.record); a name not listed here is refused, so the list stays the truth.
ACTIONS: dict[str, str] = {
    "session.created": "session",
    "session.ended": "session",
    "session.deleted": "session",  # DELETE /api/sessions/{sid}, `sprankel admin delete`, sweep
    "participant.joined": "participant",
    "participant.removed": "participant",  # a facilitator removed someone (identity)
    "round.added": "round",
    "round.changed": "round",
    "round.deleted": "round",
    "round.started": "round",
    "round.paused": "round",
    "round.resumed": "round",
    "round.extended": "round",
    "round.ended": "round",
    "round.revealed": "round",
    "idea.held_back": "idea",
    "idea.released": "idea",
    "idea.revealed": "idea",  # one idea revealed on its own, to discuss it
    "idea.merged": "idea",  # a hidden idea folded into another as its duplicate
    "board.locked": "session",
    "board.unlocked": "session",
    "version.restored": "version",  # the board restored to a stored version (versions)
    "export.downloaded": "session",
}

SEQ_DIGITS = 10


class _Who(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    participant_id: str | None
    role: str
    account: str | None = None  # the login of an OIDC user (issue 13), else None

    def to_json(self) -> JSON:
        return {"participant_id": self.participant_id, "role": self.role,
                "account": self.account}

    @classmethod
    def from_json(cls, data: Any) -> Actor:
        if not isinstance(data, Mapping):
            return Actor(None, SYSTEM)
        return Actor(_str(data.get("participant_id")), str(data.get("role") or SYSTEM),
                     _str(data.get("account")))


def actor(who: _Who | None) -> Actor:
    """The actor of a participant (facilitation's Participant), or the server for None.

    A participant who joined with a login brings the account (`sub` at the issuer)."""
    if who is None:
        return Actor(None, SYSTEM)
    account = getattr(who, "account", None)
    named = (f"{account.get('sub')}@{account.get('iss')}"
             if isinstance(account, Mapping) and account.get("sub") else None)
    return Actor(who.id, who.role, named)


@dataclass(frozen=True)
class Entry:
    seq: int
    at: int  # ms since the epoch
    session_id: str
    action: str
    actor: Actor
    object_type: str
    object_id: str
    details: dict[str, str | int | bool | None] = field(default_factory=dict)

    def to_json(self) -> JSON:
        return {"seq": self.seq, "at": self.at, "session_id": self.session_id,
                "action": self.action, "actor": self.actor.to_json(),
                "object": {"type": self.object_type, "id": self.object_id},
                "details": dict(sorted(self.details.items()))}

    @classmethod
    def from_json(cls, data: JSON) -> Entry:
        raw_obj, raw_details = data.get("object"), data.get("details")
        obj: Mapping[str, Any] = raw_obj if isinstance(raw_obj, Mapping) else {}
        details: Mapping[str, Any] = raw_details if isinstance(raw_details, Mapping) else {}
        return Entry(int(data.get("seq", 0)), int(data.get("at", 0)),
                     str(data.get("session_id", "")), str(data.get("action", "")),
                     Actor.from_json(data.get("actor")), str(obj.get("type", "")),
                     str(obj.get("id", "")), dict(details))


class Sink(Protocol):
    def write(self, entry: Entry) -> None: ...


def entry_key(session_id: str, seq: int) -> str:
    return f"{session_id}/{seq:0{SEQ_DIGITS}d}"


class AuditTrail:
    """Records entries in the store and on the sink; reads a session's trail in order."""

    def __init__(self, store: Store, clock: Clock, sink: Sink | None = None) -> None:
        self.store = store
        self.clock = clock
        self.sink = sink

    async def record(self, session_id: str, action: str, who: Actor, object_id: str,
                     **details: str | int | bool | None) -> Entry:
        """One entry: `await trail.record(sid, "round.started", actor(who), round_id)`.

        The object's type follows from the action (ACTIONS). Details are small values
        (a format, a count), never user text and never an idea's author."""
        object_type = ACTIONS.get(action)
        if object_type is None:
            raise ValueError(f"unknown audit action {action!r}; add it to ACTIONS")

        def bump(data: JSON | None) -> JSON:
            last = data.get("last", 0) if data else 0
            return {"last": (last if isinstance(last, int) else 0) + 1}

        counter = await self.store.update_record(AUDIT_SEQUENCE, session_id, bump)
        assert counter is not None
        entry = Entry(int(counter["last"]), self.clock.now_ms(), session_id, action, who,
                      object_type, object_id, details)
        await self.store.put_record(AUDIT, entry_key(session_id, entry.seq), entry.to_json())
        if self.sink is not None:
            try:
                self.sink.write(entry)
            except OSError:
                # The stored entry is the record; the operator's copy failing (a full
                # disk) must not undo the action that was already taken.
                log.exception("writing the audit sink failed session=%s seq=%d", session_id,
                              entry.seq)
        return entry

    async def entries(self, session_id: str, after: int = 0, limit: int | None = None
                      ) -> list[Entry]:
        """The session's entries in order, those numbered above `after`, at most `limit`."""
        records = await self.store.list_records(AUDIT, f"{session_id}/")
        out = [Entry.from_json(records[key]) for key in sorted(records)]
        out = [e for e in out if e.seq > after]
        return out if limit is None else out[:limit]

    async def forget(self, session_id: str) -> None:
        """Delete a session's trail (with the session: docs/records.md says what stays)."""
        for key in await self.store.list_records(AUDIT, f"{session_id}/"):
            await self.store.delete_record(AUDIT, key)
        await self.store.delete_record(AUDIT_SEQUENCE, session_id)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
