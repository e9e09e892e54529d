"""The round state machine and its timer arithmetic, as pure functions on records.

    planned --start--> running --pause--> paused --resume--> running
    running|paused --end (or the deadline)--> ended

Only one round of a session is running or paused at a time. A brainwriting round
runs one timed turn per sheet holder: at each deadline but the last, the sheets are
passed on (rotation + 1) and a new turn starts. The deadline transition is
idempotent: it only fires for the deadline it was armed for, so when several
processes' timers fire for the same deadline, one transition happens.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kernel.errors import Conflict, NotFound
from ..kernel.ids import new_id
from .errors import SessionEnded, WrongPhase
from .model import Round, Session

MAX_BRAINWRITE_ROTATIONS = 5  # 6-3-5: six people pass their sheet on five times


@dataclass(frozen=True)
class Expiry:
    """What a deadline did: "ended" the round or "rotated" the brainwriting sheets."""

    what: str


def find(session: Session, round_id: str) -> Round:
    """The round of this session with that id; raises 404."""
    rnd = session.round(round_id)
    if rnd is None:
        raise NotFound("no such round in this session")
    return rnd


def check_open(session: Session) -> None:
    if session.ended:
        raise SessionEnded()


def start(session: Session, rnd: Round, now: int, participant_ids: list[str]) -> None:
    check_open(session)
    if rnd.state != "planned":
        raise WrongPhase(f"the round is {rnd.state}; only a planned round can start")
    other = session.active_round
    if other is not None:
        raise Conflict(f"round {other.id} is still {other.state}; end it first", "round_active")
    rnd.state = "running"
    rnd.started_at = now
    rnd.deadline_ms = now + rnd.duration_s * 1000
    if rnd.kind == "brainwrite":
        rnd.sheet_order = list(participant_ids)
        rnd.sheet_ids = [new_id() for _ in participant_ids]
        passes = max(0, len(participant_ids) - 1)
        limit = rnd.rotations if rnd.rotations is not None else MAX_BRAINWRITE_ROTATIONS
        rnd.rotations = min(limit, passes)
        rnd.rotation = 0
    session.current_round_id = rnd.id
    if session.started_at is None:
        session.started_at = now


def pause(session: Session, rnd: Round, now: int) -> None:
    check_open(session)
    if rnd.state != "running" or rnd.deadline_ms is None:
        raise WrongPhase(f"the round is {rnd.state}; only a running round can pause")
    rnd.state = "paused"
    rnd.remaining_ms = max(0, rnd.deadline_ms - now)
    rnd.deadline_ms = None
    rnd.paused_at = now


def resume(session: Session, rnd: Round, now: int) -> None:
    check_open(session)
    if rnd.state != "paused" or rnd.remaining_ms is None:
        raise WrongPhase(f"the round is {rnd.state}; only a paused round can resume")
    rnd.state = "running"
    rnd.deadline_ms = now + rnd.remaining_ms
    rnd.remaining_ms = None
    if rnd.paused_at is not None:
        rnd.paused_ms += max(0, now - rnd.paused_at)
    rnd.paused_at = None


def extend(session: Session, rnd: Round, seconds: int) -> None:
    check_open(session)
    if rnd.state == "running" and rnd.deadline_ms is not None:
        rnd.deadline_ms += seconds * 1000
    elif rnd.state == "paused" and rnd.remaining_ms is not None:
        rnd.remaining_ms += seconds * 1000
    else:
        raise WrongPhase(f"the round is {rnd.state}; only a running or paused round can extend")
    rnd.extended_s += seconds


def end(session: Session, rnd: Round, now: int) -> None:
    check_open(session)
    if not rnd.active:
        raise WrongPhase(f"the round is {rnd.state}; only a running or paused round can end")
    finish(rnd, now)


def finish(rnd: Round, now: int) -> None:
    """End an active round (also used when the session ends)."""
    if rnd.state == "paused" and rnd.paused_at is not None:
        rnd.paused_ms += max(0, now - rnd.paused_at)
    rnd.state = "ended"
    rnd.ended_at = now
    rnd.deadline_ms = None
    rnd.remaining_ms = None
    rnd.paused_at = None


def expire(session: Session, rnd: Round, armed_deadline: int, now: int) -> Expiry | None:
    """The transition at a deadline; None when it no longer applies (already done)."""
    if session.ended or rnd.state != "running" or rnd.deadline_ms != armed_deadline:
        return None
    if now < armed_deadline:
        return None
    if rnd.kind == "brainwrite" and rnd.rotation < (rnd.rotations or 0):
        rnd.rotation += 1
        # A new turn starts now: a late wake-up (say, after a restart) still gives full time.
        rnd.deadline_ms = max(armed_deadline, now) + rnd.duration_s * 1000
        return Expiry("rotated")
    finish(rnd, armed_deadline)  # it ended at the deadline, whenever the timer woke up
    return Expiry("ended")


def sheet_holder(rnd: Round, sheet_index: int, rotation: int | None = None) -> str:
    """The participant holding a brainwriting sheet at a rotation (now, by default)."""
    r = rnd.rotation if rotation is None else rotation
    return rnd.sheet_order[(sheet_index + r) % len(rnd.sheet_order)]


def sheet_of(rnd: Round, participant_id: str, rotation: int | None = None) -> str | None:
    """The id of the sheet a participant holds at a rotation, if they have one."""
    if participant_id not in rnd.sheet_order:
        return None
    r = rnd.rotation if rotation is None else rotation
    n = len(rnd.sheet_order)
    index = (rnd.sheet_order.index(participant_id) - r) % n
    return rnd.sheet_ids[index]
