"""The spotlight: the facilitator puts one idea on the board in front of everyone.

A rule's state, so it lives in the session record and reaches the pages through the
control document (control.py). It belongs to the phase it was set in (the current round
and whether that round is under way): once a round starts or ends, it is out, without
anyone clearing it (control.py ``spotlit``).
"""

from __future__ import annotations

from ..kernel.errors import Conflict, NotFound
from . import documents as docs
from . import rounds
from .control import spotlight_phase
from .core import Core
from .hidden import Hidden
from .model import Participant, Session
from .roles import require_facilitator


class Spotlight:
    def __init__(self, core: Core, hidden: Hidden) -> None:
        self.core = core
        self.hidden = hidden

    async def put(self, session: Session, who: Participant, idea_id: str) -> Session:
        require_facilitator(who)
        rounds.check_open(session)
        idea = await self.core.documents.read(docs.board_name(session.id),
                                              lambda doc: docs.read_idea(doc, idea_id))
        if idea is None:
            if any(h.idea.id == idea_id for h in await self.hidden.ideas(session, who)):
                raise Conflict("that idea is hidden until it is revealed", "hidden")
            raise NotFound("no such idea on the board")

        def put(s: Session) -> None:
            s.spotlight = {"idea_id": idea_id, "phase": spotlight_phase(s)}

        changed = await self.core.change(session.id, put)
        await self.core.after(changed)
        return changed

    async def clear(self, session: Session, who: Participant) -> Session:
        require_facilitator(who)
        rounds.check_open(session)

        def clear(s: Session) -> None:
            s.spotlight = None

        changed = await self.core.change(session.id, clear)
        await self.core.after(changed)
        return changed
