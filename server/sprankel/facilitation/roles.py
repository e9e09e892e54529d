"""Who may do what: the permission rules, in one place, as pure functions.

    facilitator  runs the session: agenda, timer, reveal, moderation, lock, end;
                 writes the board even while it is locked; reads every drafts document
    participant  writes the board (unless locked or ended) and their own drafts
    observer     reads the board and the control document; writes nothing
"""

from __future__ import annotations

from ..kernel.errors import Forbidden
from ..kernel.roles import require_role
from .model import Participant

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
OBSERVER = "observer"
JOIN_ROLES = (PARTICIPANT, OBSERVER)


def require_facilitator(who: Participant) -> None:
    # Authoritative: the API's declared roles (api/routing.py) check it first, for the
    # order of refusals, but the engine is also called directly.
    require_role(who.role, (FACILITATOR,))


def require_contributor(who: Participant) -> None:
    """Adding ideas, voting and rating: everyone but observers."""
    if who.role == OBSERVER:
        raise Forbidden("observers can follow the session but not contribute")


def may_open_document(kind: str, role: str, participant_id: str, owner_id: str | None) -> bool:
    if kind in ("board", "control"):
        return True
    if kind == "drafts":
        return role == FACILITATOR or (role == PARTICIPANT and participant_id == owner_id)
    return False


def may_write_document(
    kind: str, role: str, participant_id: str, owner_id: str | None, locked: bool, ended: bool,
    drafts_open: bool = False,
) -> bool:
    if ended or kind == "control":
        return False
    if kind == "board":
        if role == FACILITATOR:
            return True
        return role == PARTICIPANT and not locked
    if kind == "drafts":
        # Facilitators only read drafts (moderation); the server moves them at reveal.
        # Outside a running hidden round drafts are frozen: an author who could edit a
        # reviewed idea, or re-add a held-back one under a new key, would publish it.
        return (role == PARTICIPANT and participant_id == owner_id and not locked
                and drafts_open)
    return False
