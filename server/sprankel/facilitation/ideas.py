"""Ideas through the API: added to the board, or to the author's drafts while a hidden
round runs; and the ideas on the board as every member's board connection shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kernel.errors import Forbidden, NotFound
from ..kernel.ids import new_id
from . import authorship, rounds
from . import documents as docs
from .core import Core
from .errors import WrongPhase
from .hidden import Hidden
from .model import IDEA_KINDS, PARTICIPANT, Idea, Participant, Session, idea_order
from .roles import FACILITATOR, require_contributor


@dataclass(frozen=True)
class AddedIdea:
    """An idea just added, and whether it went to the author's drafts (a hidden round)."""

    idea: Idea
    hidden: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.idea.to_json(), "hidden": self.hidden}


class Ideas:
    def __init__(self, core: Core, hidden: Hidden) -> None:
        self.core = core
        self.hidden = hidden

    async def add(self, session: Session, who: Participant, fields: dict[str, Any]
                  ) -> AddedIdea:
        require_contributor(who)
        rounds.check_open(session)
        if session.locked and who.role != FACILITATOR:
            raise WrongPhase("the board is locked by the facilitator", "locked")
        rnd = None
        if fields["round_id"] is not None:
            rnd = rounds.find(session, fields["round_id"])
            if not rnd.active:
                raise WrongPhase(f"round {rnd.id} is {rnd.state}; ideas go to a running round")
        elif session.active_round is not None:
            rnd = session.active_round
        if rnd is not None and rnd.kind not in IDEA_KINDS:
            raise WrongPhase(f"a {rnd.kind} round takes no new ideas")
        anonymous = session.anonymous or (rnd is not None and rnd.anonymous)
        idea = Idea(
            id=new_id(), text=fields["text"],
            author_id=None if anonymous else who.id,
            author_name=None if anonymous else who.name,
            round_id=rnd.id if rnd else None, cluster_id=fields["cluster_id"],
            color=fields["color"], created_at=self.core.clock.now_ms(),
        )
        documents = self.core.documents
        if rnd is not None and rnd.is_hidden and not rnd.revealed:
            if who.role != PARTICIPANT:
                raise Forbidden("in a hidden round only participants add ideas")
            # Drafts keep the author: the server needs it at reveal, and only the author
            # and facilitators can read drafts.
            idea.author_id, idea.author_name = who.id, who.name
            if rnd.kind == "brainwrite":
                await self.hidden.put_on_sheet(session.id, who, rnd, idea)
            await documents.apply_server_change(
                docs.drafts_name(session.id, who.id), lambda doc: docs.put_idea(doc, idea))
            return AddedIdea(idea, hidden=True)
        if anonymous:
            # Before the idea exists: its author can always edit and delete it.
            await authorship.remember(self.core.store, session.id, idea.id, who.id)
        await documents.apply_server_change(
            docs.board_name(session.id), lambda doc: docs.put_idea(doc, idea))
        return AddedIdea(idea, hidden=False)

    async def edit(self, session: Session, who: Participant, idea_id: str,
                   fields: dict[str, Any]) -> Idea:
        """The author (or a facilitator) changes an idea on the board, as the server: an
        anonymous author's own client id never touches it."""
        await self._may_change(session, who, idea_id)
        board = docs.board_name(session.id)
        await self.core.documents.apply_server_change(
            board, lambda doc: docs.update_idea(doc, idea_id, fields))
        idea = await self.core.documents.read(board, lambda doc: docs.read_idea(doc, idea_id))
        if idea is None:
            raise NotFound("the idea was deleted meanwhile")
        return idea

    async def delete(self, session: Session, who: Participant, idea_id: str) -> None:
        await self._may_change(session, who, idea_id)
        await self.core.documents.apply_server_change(
            docs.board_name(session.id), lambda doc: docs.remove_ideas(doc, [idea_id]))
        await authorship.forget(self.core.store, session.id, idea_id)

    async def _may_change(self, session: Session, who: Participant, idea_id: str) -> None:
        require_contributor(who)
        rounds.check_open(session)
        if session.locked and who.role != FACILITATOR:
            raise WrongPhase("the board is locked by the facilitator", "locked")
        idea = await self.core.documents.read(docs.board_name(session.id),
                                              lambda doc: docs.read_idea(doc, idea_id))
        if idea is None:
            raise NotFound("no such idea on the board")
        if who.role == FACILITATOR or idea.author_id == who.id:
            return
        if await authorship.author_of(self.core.store, session.id, idea_id) != who.id:
            raise Forbidden("only its author and the facilitator may change an idea")

    async def board(self, session: Session) -> list[Idea]:
        """The ideas on the board (what every member's board connection shows)."""
        ideas = await self.core.documents.read(docs.board_name(session.id), docs.read_ideas)
        ideas.sort(key=idea_order)
        return ideas
