"""The control document: what everyone may know of a session and its agenda, written
only by the server after every change (see documents.py for its layout).

Plain functions of a session and a time: the core writes the state after each change
(Core.write_control); the API returns the same round objects.
"""

from __future__ import annotations

from typing import Any

from .model import Round, Session


def public_round(rnd: Round) -> dict[str, Any]:
    """What everyone may know about a round (no held-back ids, no sheet order)."""
    return {
        "id": rnd.id, "kind": rnd.kind, "prompt": rnd.prompt, "duration_s": rnd.duration_s,
        "hidden": rnd.is_hidden, "anonymous": rnd.anonymous, "vote_budget": rnd.vote_budget,
        "max_votes_per_idea": rnd.max_votes_per_idea, "icebreaker": rnd.icebreaker,
        "auto_reveal": rnd.auto_reveal, "rotations": rnd.rotations,
        "ideas_per_sheet": rnd.ideas_per_sheet, "rotation": rnd.rotation,
        "state": rnd.state, "deadline": rnd.deadline_ms, "remaining_ms": rnd.remaining_ms,
        "started_at": rnd.started_at, "ended_at": rnd.ended_at, "paused_ms": rnd.paused_ms,
        "extended_s": rnd.extended_s, "revealed": rnd.revealed,
        "held_back_count": rnd.held_back_count if rnd.revealed else None,
        "merged_count": rnd.merged_count if rnd.revealed else None,
        # Writing has closed and the facilitator reviews before revealing: pages say so.
        "awaiting_reveal": rnd.is_hidden and rnd.state == "ended" and not rnd.revealed,
        "top_n": rnd.top_n,
        "tallies": rnd.tallies if rnd.revealed else None,
        "ratings": rnd.ratings if rnd.revealed else None,
    }


def spotlight_phase(session: Session) -> list[Any]:
    """What ends the spotlight when it changes: the current round, running (or paused) or not."""
    current = session.current_round
    return [current.id if current else None, bool(current and current.active)]


def spotlit(session: Session) -> str | None:
    """The idea in the spotlight now, if any (None once the phase changed or it ended)."""
    spot = session.spotlight
    if not spot or session.ended or spot.get("phase") != spotlight_phase(session):
        return None
    idea_id = spot.get("idea_id")
    return idea_id if isinstance(idea_id, str) else None


def control_state(session: Session, now_ms: int) -> dict[str, Any]:
    current = session.current_round
    return {
        "version": session.version,
        "session": {
            "id": session.id, "title": session.title, "goal": session.goal,
            "language": session.language, "anonymous": session.anonymous,
            "vote_budget": session.vote_budget, "state": session.state,
            "locked": session.locked, "started_at": session.started_at,
            "ended_at": session.ended_at,
        },
        # The settings every member's page shows (anonymous, voting, export): the page
        # renders public state from this document instead of asking the API.
        "settings": session.settings_json(),
        "agenda": [public_round(r) for r in session.rounds],
        "current_round_id": current.id if current else None,
        "round": public_round(current) if current else None,
        "deadline": current.deadline_ms if current else None,
        "spotlight": spotlit(session),
        "written_at": now_ms,
    }

