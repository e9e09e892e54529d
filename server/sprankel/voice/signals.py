"""The messages of the voice socket, read strictly: JSON objects of a known type with
exactly their fields, each of the right type and size. Anything else is a refusal that
names what is wrong (the socket then closes), never a guess.

From a browser:
    {"type": "sit", "table": ID}
    {"type": "leave"}
    {"type": "state", "muted": bool, "camera": bool}
    {"type": "signal", "to": SEAT, "kind": "offer" | "answer", "sdp": TEXT}
    {"type": "signal", "to": SEAT, "kind": "candidate",
     "candidate": {"candidate": TEXT, "sdpMid": TEXT | null, "sdpMLineIndex": INT | null}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE = 24 * 1024  # bytes of one frame: an SDP with audio and video fits in 8-12 KiB
MAX_SDP = 16 * 1024
MAX_CANDIDATE = 512  # an ICE candidate line is under 200 characters
MAX_MID = 32
MAX_SEAT = 40


class BadSignal(ValueError):
    """A message the socket refuses; ``too_big`` distinguishes 1009 from 1007."""

    def __init__(self, message: str, too_big: bool = False) -> None:
        super().__init__(message)
        self.too_big = too_big


@dataclass(frozen=True)
class Sit:
    table: str


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class State:
    muted: bool
    camera: bool


@dataclass(frozen=True)
class Signal:
    to: str
    payload: dict[str, Any]  # kind with its sdp or candidate, exactly as relayed


Message = Sit | Leave | State | Signal


def parse(frame: str) -> Message:
    if len(frame.encode("utf-8")) > MAX_MESSAGE:
        raise BadSignal(f"message over {MAX_MESSAGE} bytes", too_big=True)
    try:
        data = json.loads(frame, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BadSignal("not JSON") from None
    if not isinstance(data, dict):
        raise BadSignal("a message is a JSON object")
    kind = data.get("type")
    if kind == "sit":
        _fields(data, {"type", "table"})
        return Sit(_id(data, "table"))
    if kind == "leave":
        _fields(data, {"type"})
        return Leave()
    if kind == "state":
        _fields(data, {"type", "muted", "camera"})
        return State(_bool(data, "muted"), _bool(data, "camera"))
    if kind == "signal":
        return _signal(data)
    raise BadSignal('"type" must be sit, leave, state or signal')


def _signal(data: dict[str, Any]) -> Signal:
    to = _id(data, "to")
    kind = data.get("kind")
    if kind in ("offer", "answer"):
        _fields(data, {"type", "to", "kind", "sdp"})
        sdp = data.get("sdp")
        if not isinstance(sdp, str) or not sdp:
            raise BadSignal('"sdp" must be a non-empty string')
        if len(sdp) > MAX_SDP:
            raise BadSignal(f'"sdp" over {MAX_SDP} characters', too_big=True)
        return Signal(to, {"kind": kind, "sdp": sdp})
    if kind == "candidate":
        _fields(data, {"type", "to", "kind", "candidate"})
        candidate = data.get("candidate")
        if not isinstance(candidate, dict):
            raise BadSignal('"candidate" must be an object')
        _fields(candidate, {"candidate", "sdpMid", "sdpMLineIndex"}, "candidate")
        line = candidate.get("candidate")
        if not isinstance(line, str):
            raise BadSignal('"candidate.candidate" must be a string')
        if len(line) > MAX_CANDIDATE:
            raise BadSignal(f'"candidate.candidate" over {MAX_CANDIDATE} characters',
                            too_big=True)
        mid = candidate.get("sdpMid")
        if mid is not None and (not isinstance(mid, str) or len(mid) > MAX_MID):
            raise BadSignal(f'"candidate.sdpMid" must be null or a string of at most {MAX_MID}')
        index = candidate.get("sdpMLineIndex")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)
                                  or not 0 <= index < 64):
            raise BadSignal('"candidate.sdpMLineIndex" must be null or an integer 0-63')
        return Signal(to, {"kind": kind, "candidate": {"candidate": line, "sdpMid": mid,
                                                        "sdpMLineIndex": index}})
    raise BadSignal('"kind" must be offer, answer or candidate')


def _fields(data: dict[str, Any], allowed: set[str], where: str = "message") -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BadSignal(f"unknown field in {where}: {unknown[0]!r}")
    missing = sorted(allowed - set(data))
    if missing:
        raise BadSignal(f"missing field in {where}: {missing[0]!r}")


def _id(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= MAX_SEAT or \
            not all(c.isascii() and (c.isalnum() or c in "-_") for c in value):
        raise BadSignal(f'"{name}" must be an id (letters, digits, - and _)')
    return value


def _bool(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if not isinstance(value, bool):
        raise BadSignal(f'"{name}" must be true or false')
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON
