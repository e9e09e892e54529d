"""The awareness rules: who may publish which states, how big, and with which user.

Awareness is the y-websocket side channel for presence and cursors: each entry is
(client id, clock, JSON state). The protocol trusts clients entirely, so a room
applies these rules before it keeps or relays anything:

- Ownership. The first client ids a connection publishes become its own (at most
  ``client_ids_per_connection``: a browser has one per document), then the set is
  fixed. A newer state (higher clock) for an id that another connection owns, here
  or in another process (seen through the broker), is refused: nobody overwrites
  someone else's state by reusing their client id. The same user's new connection
  may take over its own id with its first claim (a reconnecting tab keeps its client
  id, and sends its state before anything else; its old socket may not be closed yet).
- Relays are dropped without closing anything: the stock y-websocket client sends
  back every state it receives (same clock), and removals of peers it timed out.
  Entries for ids another connection owns at a clock we already hold, and removals
  of ids the sender does not own, are such relays. So are late relays of an id whose
  connection just closed: the room remembers the last clock of released ids.
- Size. At most ``entries_per_message`` entries per message and ``state_bytes`` per
  state, so the snapshot every joiner receives stays small.
- Content. Only JSON objects (or null) that every peer's ``JSON.parse`` accepts:
  ``NaN``, ``Infinity`` and lone UTF-16 surrogates pass Python's json module but
  break the presence of everyone who joins later.
- Identity. The ``user`` part of a state is replaced by the server's own, from the
  connection's Access (without name or id in anonymous sessions), and the entry is
  re-encoded: nobody poses as another person or as the facilitator.
- Documents the server writes take no awareness at all (Access.may_publish_awareness).
- The server's own states. Client ids from ``SERVER_CLIENT_IDS`` up are the server's
  (reactions on the control document: publish_server_state in rooms.py). A client's
  entry for one of them is dropped, never relayed: the stock client echoes every state
  it receives, and nobody may pose as the server. The server's states are relayed,
  never kept: a newcomer gets no snapshot of them.

A refused message raises AwarenessRefused; nothing of it is kept or relayed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from .. import status
from .access import Access
from .protocol import NULL_STATE, AwarenessEntry, ProtocolError, decode_awareness
from .protocol import encode_awareness_entry as encode_entry

# What the server keeps of a user in an anonymous session: enough to draw a cursor.
ANONYMOUS_USER_FIELDS = ("role", "color")
# The top 2**24 client ids below 2**53 (what lib0 reads exactly) are the server's own. Yjs
# draws its ids from 32 bits and never gets there; Yrs draws 53 bits, and lands there once
# in 500 million clients (its awareness would then be dropped).
SERVER_CLIENT_IDS = 2**53 - 2**24
# Released client ids remembered per room, to tell late relays from new states.
_RELEASED_KEPT = 1024


@dataclass(frozen=True)
class AwarenessLimits:
    client_ids_per_connection: int = 4
    entries_per_message: int = 256
    state_bytes: int = 16 * 1024


class AwarenessRefused(ValueError):
    """A message that breaks a rule: close the connection with ``code`` and the reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Publisher(Protocol):
    """What the rules need of a connection (sync.connection.Connection is one)."""

    access: Access
    client_ids: set[int]


class AwarenessBook:
    """The awareness states of one room and who owns each client id."""

    def __init__(self, limits: AwarenessLimits | None = None) -> None:
        self.limits = limits or AwarenessLimits()
        self.states: dict[int, tuple[int, bytes]] = {}  # client id -> (clock, encoded entry)
        self._owners: dict[int, Publisher] = {}  # client ids owned by local connections
        # Client ids published by other processes -> the user id in their state, if any.
        self._remote: dict[int, str | None] = {}
        # Recently released ids -> the clock of their removal.
        self._released: dict[int, int] = {}

    def accept_local(self, conn: Publisher, payload: bytes) -> list[bytes]:
        """Check one awareness message of a local connection; returns the entries to relay.

        Raises ProtocolError (malformed framing) or AwarenessRefused; then nothing changed.
        """
        limits = self.limits
        count = _declared_count(payload)
        if count > limits.entries_per_message:
            raise AwarenessRefused(status.CLOSE_POLICY_VIOLATION,
                                   f"awareness message with {count} entries; at most "
                                   f"{limits.entries_per_message}")
        entries = decode_awareness(payload)
        relay: list[tuple[AwarenessEntry, bytes]] = []
        claimed: set[int] = set()
        for entry in entries:
            if len(entry.state) > limits.state_bytes:
                raise AwarenessRefused(status.CLOSE_POLICY_VIOLATION,
                                       f"awareness state of {len(entry.state)} bytes; at most "
                                       f"{limits.state_bytes}")
            if entry.client_id >= SERVER_CLIENT_IDS:
                continue  # the echo of a server state (or a forgery of one): dropped
            if entry.removed:
                if entry.client_id in conn.client_ids:
                    relay.append((entry, entry.raw))
                continue  # someone else's id, or none: a stale timeout removal, ignored
            if not conn.access.may_publish_awareness:
                raise AwarenessRefused(status.CLOSE_POLICY_VIOLATION,
                                       "this document takes no awareness states")
            if entry.client_id not in conn.client_ids:
                if not self._claims(conn, entry, claimed):
                    continue  # a relay of a state we hold already
                claimed.add(entry.client_id)
            state = _stamped(entry.state, conn.access)
            relay.append((entry, encode_entry(entry.client_id, entry.clock, state)))
        # Every entry passed: only now change anything.
        for client_id in claimed:
            previous = self._owners.get(client_id)
            if previous is not None and previous is not conn:
                previous.client_ids.discard(client_id)  # the same user's new connection
            conn.client_ids.add(client_id)
            self._owners[client_id] = conn
            self._released.pop(client_id, None)
            self._remote.pop(client_id, None)
        for entry, raw in relay:
            if entry.removed:
                self.states.pop(entry.client_id, None)
            else:
                self.states[entry.client_id] = (entry.clock, raw)
        return [raw for _, raw in relay]

    def accept_remote(self, payload: bytes) -> list[bytes]:
        """Entries another process relayed (it applied these rules); returns what to relay.

        Raises ProtocolError. Entries for ids a local connection owns are ignored.
        """
        relay = []
        for entry in decode_awareness(payload):
            if entry.client_id in self._owners:
                continue
            if entry.client_id >= SERVER_CLIENT_IDS:
                relay.append(entry.raw)  # another process's server state: relayed, not kept
                continue
            if entry.removed:
                self._remote.pop(entry.client_id, None)
                self.states.pop(entry.client_id, None)
                self._remember_released(entry.client_id, entry.clock)
            else:
                self._remote[entry.client_id] = _user_id(entry.state)
                self._released.pop(entry.client_id, None)
                self.states[entry.client_id] = (entry.clock, entry.raw)
            relay.append(entry.raw)
        return relay

    def own_entries(self) -> list[bytes]:
        """The states of the client ids local connections own, as they were relayed."""
        return [raw for client_id, (_, raw) in self.states.items() if client_id in self._owners]

    def release(self, conn: Publisher) -> list[bytes]:
        """A connection closed: give up its ids; returns the removals to relay."""
        gone = []
        for client_id in conn.client_ids:
            if self._owners.get(client_id) is not conn:
                continue  # taken over by the same user's newer connection
            del self._owners[client_id]
            known = self.states.pop(client_id, None)
            if known is not None:
                clock = known[0] + 1
                gone.append(encode_entry(client_id, clock, NULL_STATE))
                self._remember_released(client_id, clock)
        return gone

    def _claims(self, conn: Publisher, entry: AwarenessEntry, claimed: set[int]) -> bool:
        """Whether a state for an id the connection does not own yet makes it its own;
        False for a relay to drop; raises for an attempt on another connection's id."""
        client_id = entry.client_id
        owner = self._owners.get(client_id)
        # A reconnecting tab sends its own state first, at the clock it had; relays of
        # other states come only after that. So a first claim may be a reconnect.
        first = not conn.client_ids and not claimed
        if owner is not None or client_id in self._remote:
            owner_user = (owner.access.user.get("id") if owner is not None
                          else self._remote.get(client_id))
            if first and _same_user(owner_user, conn.access):
                return self._within_limit(conn, claimed)  # its old socket is not closed yet
            held = self.states.get(client_id)
            if held is None or entry.clock <= held[0]:
                return False
            raise AwarenessRefused(status.CLOSE_POLICY_VIOLATION,
                                   f"awareness client id {client_id} belongs to another "
                                   "connection")
        if client_id in self._released and not first and entry.clock <= self._released[client_id]:
            return False  # a late relay of a state that left
        return self._within_limit(conn, claimed)

    def _within_limit(self, conn: Publisher, claimed: set[int]) -> bool:
        if len(conn.client_ids) + len(claimed) >= self.limits.client_ids_per_connection:
            raise AwarenessRefused(status.CLOSE_POLICY_VIOLATION,
                                   "too many awareness client ids on one connection; at most "
                                   f"{self.limits.client_ids_per_connection}")
        return True

    def _remember_released(self, client_id: int, clock: int) -> None:
        self._released.pop(client_id, None)
        self._released[client_id] = clock
        if len(self._released) > _RELEASED_KEPT:
            del self._released[next(iter(self._released))]  # the oldest


def _same_user(owner_user: object, access: Access) -> bool:
    return isinstance(owner_user, str) and owner_user == access.user.get("id")


def _user_id(state: bytes) -> str | None:
    # Remote states were stamped by their process: named ones carry the user's id.
    try:
        value = json.loads(state)
    except ValueError:
        return None
    user = value.get("user") if isinstance(value, dict) else None
    found = user.get("id") if isinstance(user, dict) else None
    return found if isinstance(found, str) else None


def _declared_count(payload: bytes) -> int:
    # Read before decoding: 290,000 entries are refused without building 290,000 objects.
    value = 0
    for i, byte in enumerate(payload[:8]):
        value |= (byte & 0x7F) << (7 * i)
        if byte < 0x80:
            return value
    raise ProtocolError("awareness message without a valid entry count")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_state(state: bytes) -> dict[str, Any]:
    """A state as every browser's JSON.parse reads it, or AwarenessRefused (1007)."""
    try:
        value = json.loads(state.decode("utf-8"), parse_constant=_reject_constant)
        # Lone surrogates (\\ud800) parse, but cannot be encoded as UTF-8: refuse them here.
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError) as error:
        raise AwarenessRefused(status.CLOSE_INVALID_PAYLOAD,
                               f"awareness state is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise AwarenessRefused(status.CLOSE_INVALID_PAYLOAD,
                               "awareness state must be a JSON object or null")
    return value


def stamp_user(access: Access) -> dict[str, Any] | None:
    """The ``user`` the server publishes for a connection; None where it knows nobody."""
    if not access.user:
        return None  # open documents: there is no identity to protect
    if access.anonymous():
        return {k: access.user[k] for k in ANONYMOUS_USER_FIELDS if k in access.user}
    return dict(access.user)


def _stamped(state: bytes, access: Access) -> bytes:
    value = parse_state(state)
    user = stamp_user(access)
    if user is not None:
        value["user"] = user
    return json.dumps(value, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")
