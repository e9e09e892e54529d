"""Properties of the y-websocket decoder and the awareness parser, with hypothesis: random
and mutated frames raise nothing but the refusals the endpoint turns into close codes, and
what they accept is well-formed (it round-trips)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sprankel.sync import protocol
from sprankel.sync.awareness import parse_state

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_STATE = json.dumps({"user": {"name": "Zoë", "color": "#1f77b4"}, "cursor": {"x": 1}}).encode()
SEEDS = [
    protocol.create_sync_step1_message(b"\x00"),
    protocol.create_sync_step2_message(b"\x00\x00"),
    protocol.create_update_message(b"\x00\x00"),
    protocol.encode_awareness([protocol.encode_awareness_entry(12345, 3, _STATE)]),
    protocol.encode_awareness([protocol.encode_awareness_entry(7, 1, protocol.NULL_STATE)]),
    bytes([protocol.MESSAGE_QUERY_AWARENESS]),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid frame with bytes flipped, cut, inserted or repeated."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            data += data[at:]
    return bytes(data)


def _decode(frame: bytes) -> protocol.Message | None:
    try:
        return protocol.decode_message(frame)
    except protocol.ProtocolError:
        return None


@FUZZ
@given(st.one_of(st.binary(max_size=200), mutated()))
def test_any_frame_decodes_to_one_message_or_a_protocol_error(frame: bytes) -> None:
    message = _decode(frame)
    if isinstance(message, protocol.SyncMessage):
        # Accepted means exactly one well-formed message: it encodes back to the frame.
        again = bytes([protocol.MESSAGE_SYNC, message.step]) + protocol.write_var_uint(
            len(message.payload)) + message.payload
        assert again == frame
    if isinstance(message, protocol.AwarenessMessage):
        try:
            entries = protocol.decode_awareness(message.payload)
        except protocol.ProtocolError:
            return
        rebuilt = protocol.write_var_uint(len(entries)) + b"".join(e.raw for e in entries)
        assert rebuilt == message.payload


@FUZZ
@given(st.one_of(st.binary(max_size=120), st.text(max_size=60).map(str.encode),
                 st.sampled_from([b"NaN", b'{"a": Infinity}', b'{"a": -Infinity}',
                                  b'{"u": "\\ud800"}', b"[1, 2]", b'"text"', b"\xff\xfe",
                                  b'{"a":' * 8000 + b"1" + b"}" * 8000])))
def test_an_awareness_state_is_a_strict_json_object_or_refused(state: bytes) -> None:
    try:
        parsed = parse_state(state)
    except ValueError:
        return  # refused: the room closes the sender with 1007, nothing relayed
    assert isinstance(parsed, dict)
    # What is accepted is what every browser's JSON.parse accepts: strict JSON, valid UTF-8.
    text = json.dumps(parsed, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
