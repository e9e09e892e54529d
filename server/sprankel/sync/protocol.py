"""The y-websocket wire protocol: strict decoding, and the messages pycrdt cannot make.

A message is one binary frame: a varUint message type, then its content. pycrdt
encodes the sync messages; its decoder silently accepts truncated input, so
decoding here is strict: anything malformed raises ProtocolError and nothing is
applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from pycrdt import create_awareness_message, create_update_message, write_message, write_var_uint

MESSAGE_SYNC = 0
MESSAGE_AWARENESS = 1
MESSAGE_AUTH = 2
MESSAGE_QUERY_AWARENESS = 3

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

AUTH_PERMISSION_DENIED = 0

EMPTY_UPDATE = b"\x00\x00"
EMPTY_STATE_VECTOR = b"\x00"  # a client that has nothing yet: a fresh join
NULL_STATE = b"null"

# A varUint longer than this cannot be a length or id a client legitimately sends
# (JavaScript numbers end at 2**53, which fits in 8 groups of 7 bits).
_MAX_VAR_UINT_BYTES = 8

__all__ = [
    "AwarenessEntry",
    "AwarenessMessage",
    "ProtocolError",
    "QueryAwarenessMessage",
    "SyncMessage",
    "create_awareness_message",
    "create_sync_step1_message",
    "create_sync_step2_message",
    "create_update_message",
    "decode_awareness",
    "decode_message",
    "encode_auth_denied",
    "encode_awareness",
    "encode_awareness_entry",
    "write_var_uint",
]


class ProtocolError(ValueError):
    """A frame that is not a well-formed y-websocket message."""


@dataclass(frozen=True, slots=True)
class SyncMessage:
    step: int  # SYNC_STEP1, SYNC_STEP2 or SYNC_UPDATE
    payload: bytes  # a state vector (step 1) or an update


@dataclass(frozen=True, slots=True)
class AwarenessMessage:
    payload: bytes  # the awareness update: n, then n x (client id, clock, JSON state)


@dataclass(frozen=True, slots=True)
class QueryAwarenessMessage:
    pass


Message = SyncMessage | AwarenessMessage | QueryAwarenessMessage


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: bytes  # the JSON text as sent; b"null" means the client is gone
    raw: bytes  # the entry's encoded bytes, to relay without encoding again

    @property
    def removed(self) -> bool:
        return self.state == NULL_STATE


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    shift = 0
    for i in range(_MAX_VAR_UINT_BYTES):
        if pos + i >= len(data):
            raise ProtocolError("message ends inside a number")
        byte = data[pos + i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + i + 1
        shift += 7
    raise ProtocolError("number too long")


def read_var_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = read_var_uint(data, pos)
    end = pos + length
    if end > len(data):
        raise ProtocolError("message shorter than its declared length")
    return data[pos:end], end


def decode_message(frame: bytes) -> Message:
    """Decode exactly one message; trailing bytes are an error."""
    kind, pos = read_var_uint(frame, 0)
    message: Message
    if kind == MESSAGE_SYNC:
        step, pos = read_var_uint(frame, pos)
        if step not in (SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE):
            raise ProtocolError(f"unknown sync step {step}")
        payload, pos = read_var_bytes(frame, pos)
        message = SyncMessage(step, payload)
    elif kind == MESSAGE_AWARENESS:
        payload, pos = read_var_bytes(frame, pos)
        message = AwarenessMessage(payload)
    elif kind == MESSAGE_QUERY_AWARENESS:
        message = QueryAwarenessMessage()
    else:
        raise ProtocolError(f"unknown message type {kind}")
    if pos != len(frame):
        raise ProtocolError("trailing bytes after the message")
    return message


def decode_awareness(payload: bytes) -> list[AwarenessEntry]:
    """Split an awareness update into entries; each state must be valid JSON text."""
    count, pos = read_var_uint(payload, 0)
    entries: list[AwarenessEntry] = []
    for _ in range(count):
        start = pos
        client_id, pos = read_var_uint(payload, pos)
        clock, pos = read_var_uint(payload, pos)
        state, pos = read_var_bytes(payload, pos)
        entries.append(AwarenessEntry(client_id, clock, state, payload[start:pos]))
    if pos != len(payload):
        raise ProtocolError("trailing bytes after the awareness entries")
    return entries


def encode_awareness(entries_raw: list[bytes]) -> bytes:
    """One awareness message carrying already-encoded entries."""
    payload = write_var_uint(len(entries_raw)) + b"".join(entries_raw)
    return create_awareness_message(payload)


def encode_awareness_entry(client_id: int, clock: int, state: bytes) -> bytes:
    return write_var_uint(client_id) + write_var_uint(clock) + write_var_uint(len(state)) + state


def create_sync_step1_message(state_vector: bytes) -> bytes:
    return bytes([MESSAGE_SYNC, SYNC_STEP1]) + write_message(state_vector)


def create_sync_step2_message(update: bytes) -> bytes:
    return bytes([MESSAGE_SYNC, SYNC_STEP2]) + write_message(update)


def encode_auth_denied(reason: str) -> bytes:
    # Written here because pycrdt's write_var_string counts characters, not UTF-8 bytes.
    text = reason.encode("utf-8")
    return bytes([MESSAGE_AUTH, AUTH_PERMISSION_DENIED]) + write_var_uint(len(text)) + text
