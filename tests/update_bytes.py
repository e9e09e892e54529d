"""Hand-made Yjs v1 updates for attack tests: the shapes pycrdt never writes.

Each helper returns a whole update: one client's structs, then an empty delete set.
The layout is described in server/sprankel/sync/guard.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pycrdt import get_state, write_var_uint

from sprankel.sync import protocol

ATTACKER = 7_000_001  # client id of the hand-made structs

_ANY = 8
_JSON = 2
_STRING = 4
_TYPE = 7
_MAP_TYPE = 1
_PARENT_SUB = 0x20
_ORIGIN = 0x80


def var_string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return write_var_uint(len(raw)) + raw


def update(structs: list[bytes], client: int = ATTACKER, clock: int = 0) -> bytes:
    return (write_var_uint(1) + write_var_uint(len(structs)) + write_var_uint(client)
            + write_var_uint(clock) + b"".join(structs) + write_var_uint(0))


def root_entry(ref: int, content: bytes, root: str = "ideas", key: str = "x") -> bytes:
    """An item in a root map, under key, with the given content ref and bytes."""
    return (bytes([ref | _PARENT_SUB]) + write_var_uint(1) + var_string(root) + var_string(key)
            + content)


def nested_any_array(depth: int) -> bytes:
    """The reported attack: one Any value, an array in an array ... depth deep."""
    value = b"\x75\x01" * depth + b"\x7d\x00"  # [[[ ... 0 ... ]]]
    return update([root_entry(_ANY, write_var_uint(1) + value)])


def nested_json(depth: int) -> bytes:
    text = "[" * depth + "]" * depth
    return update([root_entry(_JSON, write_var_uint(1) + var_string(text))])


def map_chain(depth: int, client: int = ATTACKER, start: int = 0) -> list[bytes]:
    """depth nested Y.Maps, one update each, every map naming its parent explicitly."""
    out = []
    for level in range(depth):
        clock = start + level
        if level == 0:
            struct = root_entry(_TYPE, write_var_uint(_MAP_TYPE), key="k")
        else:
            struct = (bytes([_TYPE | _PARENT_SUB]) + write_var_uint(0) + write_var_uint(client)
                      + write_var_uint(clock - 1) + var_string("k") + write_var_uint(_MAP_TYPE))
        out.append(update([struct], client, clock))
    return out


def map_chain_by_origin(depth: int, client: int = ATTACKER) -> bytes:
    """depth nested Y.Maps in one update, each map's parent known only through its origin.

    Per level: a string "x" under key k of the previous map (explicit parent), then the map
    that overwrites it (origin = the string, so no parent is written).
    """
    structs = [root_entry(_STRING, var_string("x"), key="k"),
               bytes([_TYPE | _ORIGIN]) + write_var_uint(client) + write_var_uint(0)
               + write_var_uint(_MAP_TYPE)]
    for level in range(1, depth):
        map_clock = 2 * level - 1  # the previous level's map
        structs.append(bytes([_STRING | _PARENT_SUB]) + write_var_uint(0) + write_var_uint(client)
                       + write_var_uint(map_clock) + var_string("k") + var_string("x"))
        structs.append(bytes([_TYPE | _ORIGIN]) + write_var_uint(client)
                       + write_var_uint(2 * level) + write_var_uint(_MAP_TYPE))
    return update(structs, client)


def many_structs(count: int) -> bytes:
    """count small entries of the ideas map, each its own struct."""
    return update([root_entry(_ANY, b"\x01\x7e", key=f"k{i}") for i in range(count)])


def map_chain_update(depth: int, client: int = ATTACKER) -> bytes:
    """depth nested Y.Maps in one update, every map naming its parent explicitly."""
    structs = [root_entry(_TYPE, write_var_uint(_MAP_TYPE), key="k")]
    for clock in range(1, depth):
        structs.append(bytes([_TYPE | _PARENT_SUB]) + write_var_uint(0) + write_var_uint(client)
                       + write_var_uint(clock - 1) + var_string("k") + write_var_uint(_MAP_TYPE))
    return update(structs, client)


def idea_with_deep_value(depth: int, idea_id: str = "poison", client: int = ATTACKER) -> bytes:
    """An idea map {text, deep} whose "deep" value is an array nested depth deep."""
    def field(clock_of_map: int, key: str, value: bytes) -> bytes:
        return (bytes([_ANY | _PARENT_SUB]) + write_var_uint(0) + write_var_uint(client)
                + write_var_uint(clock_of_map) + var_string(key) + write_var_uint(1) + value)

    deep = b"\x75\x01" * depth + b"\x7d\x00"
    return update([
        root_entry(_TYPE, write_var_uint(_MAP_TYPE), key=idea_id),
        field(0, "text", b"\x77" + var_string("poison")),
        field(0, "deep", deep),
    ], client)


def mutated(seeds: list[bytes]) -> Any:
    """A hypothesis strategy: one of the seeds with a few bytes flipped, set, added or cut."""
    from hypothesis import strategies as st

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
            at = draw(st.integers(0, max(0, len(data) - 1)))
            if kind == "flip" and data:
                data[at] ^= 1 << draw(st.integers(0, 7))
            elif kind == "set" and data:
                data[at] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, 0x75, 0x76, 0x27, 0xA8]))
            elif kind == "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=8))
            elif kind == "delete" and data:
                del data[at:at + draw(st.integers(1, 8))]
            elif kind == "truncate":
                del data[at:]
        return bytes(data)

    return mutate()


def writers(frames: Iterable[bytes]) -> set[int]:
    """The client ids that wrote the updates among received y-websocket frames (an
    update's state vector names the clients whose structs it holds)."""
    out: set[int] = set()
    for frame in frames:
        message = protocol.decode_message(frame)
        if isinstance(message, protocol.SyncMessage) and message.step != protocol.SYNC_STEP1:
            state = get_state(message.payload)
            count, pos = protocol.read_var_uint(state, 0)
            for _ in range(count):
                client_id, pos = protocol.read_var_uint(state, pos)
                _, pos = protocol.read_var_uint(state, pos)
                out.add(client_id)
    return out
