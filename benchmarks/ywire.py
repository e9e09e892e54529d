"""The few y-websocket messages a load client sends and reads, encoded by hand.

A load client must stay cheap per received message, so it never decodes a Yjs
update: it only looks at the message type and finds the timestamp markers that
senders put into the text of their ideas (see ``marker``).
"""

from __future__ import annotations

import json
import re
from typing import Any

MESSAGE_SYNC = 0
MESSAGE_AWARENESS = 1
MESSAGE_AUTH = 2
MESSAGE_QUERY_AWARENESS = 3

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

# "ts:<sender id>:<sequence number>:<wall clock in ns>" is the text of every idea
# a sender creates; it reaches receivers verbatim inside the Yjs update bytes
# (a Yjs string is stored as its UTF-8 bytes), also when a server merges updates.
MARKER = re.compile(rb"ts:(\d+):(\d+):(\d+)")


def marker(sender: int, seq: int, wall_ns: int) -> str:
    return f"ts:{sender}:{seq}:{wall_ns}"


def var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def read_var_uint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def read_var_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = read_var_uint(data, pos)
    return data[pos : pos + length], pos + length


def sync_message(step: int, payload: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, step)) + var_bytes(payload)


def awareness_message(client_id: int, clock: int, state: dict[str, Any] | None) -> bytes:
    text = json.dumps(state, separators=(",", ":")).encode()
    entry = var_uint(client_id) + var_uint(clock) + var_bytes(text)
    return bytes((MESSAGE_AWARENESS,)) + var_bytes(var_uint(1) + entry)
