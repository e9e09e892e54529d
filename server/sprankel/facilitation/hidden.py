"""Hidden ideas and brainwriting: ideas kept in each participant's drafts document until
the reveal moves them onto the board; the facilitator's moderation before that (hold
back); and the brainwriting sheets handed from holder to holder."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc

from ..audit import actor
from ..kernel.errors import Conflict, NotFound
from . import authorship, rounds
from . import documents as docs
from .core import Core
from .errors import WrongPhase
from .model import Idea, Participant, Round, Session, idea_order
from .roles import require_facilitator
from .validation import IDEA_COLORS
from .versions import Versions
from .votes import Votes

log = logging.getLogger("sprankel.facilitation")


@dataclass(frozen=True)
class HiddenIdea:
    """A hidden idea as the facilitator moderates it."""

    idea: Idea
    held_back: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.idea.to_json(), "held_back": self.held_back}


class Hidden:
    def __init__(self, core: Core, votes: Votes, versions: Versions) -> None:
        self.core = core
        self.votes = votes
        self.versions = versions

    async def reveal(self, session: Session, round_id: str) -> Round:
        """Facilitator: hidden rounds move their ideas onto the board (ending the round
        first when it still runs); vote and rate rounds open their tallies."""
        rounds.check_open(session)
        rnd = rounds.find(session, round_id)
        if rnd.kind in ("vote", "rate"):
            if rnd.state == "planned":
                raise WrongPhase("the round has not started; there is nothing to open yet")
            session = await self.votes.publish_results(session.id, round_id)
        elif rnd.is_hidden:
            if rnd.revealed:
                raise WrongPhase("the round's ideas have already been revealed")
            if rnd.state == "planned":
                raise WrongPhase("the round has not started; there is nothing to reveal")
            if rnd.active:
                now = self.core.clock.now_ms()
                session = await self.core.change(
                    session.id, lambda s: rounds.end(s, rounds.find(s, round_id), now))
            session = await self.reveal_ideas(session.id, round_id)
        else:
            raise WrongPhase(f"a {rnd.kind} round has nothing hidden to reveal")
        await self.core.after(session)
        return rounds.find(session, round_id)

    async def reveal_ideas(self, sid: str, round_id: str) -> Session:
        """Move the round's drafts onto the board (not those held back), once."""
        # A fresh read: this follows a change, and a second reveal must see the first.
        session = await self.core.session(sid)
        rnd = rounds.find(session, round_id)
        if rnd.revealed:
            return session
        await self.versions.take(sid, "reveal")
        held = set(rnd.held_back)
        anonymous = session.anonymous or rnd.anonymous
        people = {p.id: p for p in await self.core.participants(sid)}
        moved: list[Idea] = []
        kept_back = 0
        sources: dict[str, list[str]] = {}
        for pid in rnd.sheet_order:
            sources[pid] = []  # brainwriting: everyone's sheet is taken back
        for pid in people:
            for idea in await self.drafts(sid, pid, round_id):
                sources.setdefault(pid, []).append(idea.id)
                if idea.id in held:
                    kept_back += 1
                    continue
                author = people[pid]
                moved.append(_board_idea(idea, round_id, None if anonymous else author))
                if anonymous:  # its author may still edit and delete it, through the API
                    await authorship.remember(self.core.store, sid, idea.id, pid)
        moved.sort(key=idea_order)

        def add(doc: Doc[Any]) -> None:
            for idea in moved:
                docs.put_idea(doc, idea)

        # Board first, then drafts: a crash in between leaves a copy, never a loss.
        documents = self.core.documents
        await documents.apply_server_change(docs.board_name(sid), add)
        for pid, ids in sources.items():
            await documents.apply_server_change(docs.drafts_name(sid, pid), _clear_drafts(ids))

        def mark(s: Session) -> None:
            r = rounds.find(s, round_id)
            if not r.revealed:
                r.revealed = True
                r.held_back_count = kept_back  # what was really kept from the board
                r.held_back = []

        log.info("round revealed session=%s round=%s ideas=%d held_back=%d", sid, round_id,
                 len(moved), kept_back)
        return await self.core.change(sid, mark)

    async def ideas(self, session: Session, who: Participant) -> list[HiddenIdea]:
        """Facilitator: the hidden ideas of the current round that is not revealed yet."""
        require_facilitator(who)
        rnd = session.current_round
        if rnd is None or not rnd.is_hidden or rnd.revealed:
            return []
        held = set(rnd.held_back)
        # In anonymous rounds the facilitator moderates what was said, not who said it.
        anonymous = session.anonymous or rnd.anonymous
        out = []
        for p in await self.core.participants(session.id):
            for idea in await self.drafts(session.id, p.id, rnd.id):
                out.append(HiddenIdea(_board_idea(idea, rnd.id, None if anonymous else p),
                                      idea.id in held))
        out.sort(key=lambda h: idea_order(h.idea))
        return out

    async def hold_back(self, session: Session, who: Participant, idea_id: str,
                        held: bool) -> None:
        require_facilitator(who)
        rnd = session.current_round
        if rnd is None or not rnd.is_hidden or rnd.revealed:
            raise WrongPhase("ideas can be held back only in a hidden round before reveal")
        hidden = {h.idea.id for h in await self.ideas(session, who)}
        if idea_id not in hidden and not (not held and idea_id in rnd.held_back):
            raise NotFound("no such hidden idea in the current round")
        round_id = rnd.id

        def change(s: Session) -> None:
            r = rounds.find(s, round_id)
            if r.revealed:
                raise WrongPhase("the round's ideas have already been revealed")
            if held and idea_id not in r.held_back:
                r.held_back.append(idea_id)
            if not held and idea_id in r.held_back:
                r.held_back.remove(idea_id)

        await self.core.after(await self.core.change(session.id, change))
        # The idea's id and the facilitator who acted: never its author (anonymous rounds).
        await self.core.audit.record(session.id, "idea.held_back" if held else "idea.released",
                                     actor(who), idea_id, round_id=round_id)

    async def drafts(self, sid: str, pid: str, round_id: str) -> list[Idea]:
        """A participant's hidden ideas of one round."""
        ideas = await self.core.documents.read(docs.drafts_name(sid, pid), docs.read_ideas)
        return [i for i in ideas if i.round_id == round_id]

    # Brainwriting

    async def pass_sheets(self, session: Session, rnd: Round) -> None:
        """Hand every sheet to its holder for this rotation, with what is on it so far."""
        if not rnd.sheet_order:
            return
        on_sheet: dict[str, list[Idea]] = {sheet: [] for sheet in rnd.sheet_ids}
        for pid in rnd.sheet_order:
            for idea in await self.drafts(session.id, pid, rnd.id):
                if idea.sheet_id in on_sheet:
                    on_sheet[idea.sheet_id].append(idea)
        for index, sheet_id in enumerate(rnd.sheet_ids):
            ideas = sorted(on_sheet[sheet_id], key=idea_order)
            sheet = {
                "id": sheet_id, "round_id": rnd.id, "rotation": rnd.rotation,
                "rotations": rnd.rotations or 0, "ideas_per_sheet": rnd.ideas_per_sheet,
                "ideas": [{"id": i.id, "text": i.text} for i in ideas],
            }
            holder = rounds.sheet_holder(rnd, index)
            await self.core.documents.apply_server_change(docs.drafts_name(session.id, holder),
                                                          _hand_sheet(sheet))

    async def put_on_sheet(self, sid: str, who: Participant, rnd: Round, idea: Idea) -> None:
        """Brainwriting: the idea goes on the sheet the author holds, if it has room."""
        sheet_id = rounds.sheet_of(rnd, who.id)
        if sheet_id is None:
            raise Conflict("you joined after this brainwriting round started and hold no sheet",
                           "no_sheet")
        mine = [i for i in await self.drafts(sid, who.id, rnd.id) if i.sheet_id == sheet_id]
        if len(mine) >= (rnd.ideas_per_sheet or 3):
            raise Conflict(f"you already wrote {len(mine)} ideas on this sheet, the most "
                           f"allowed in one turn", "sheet_full")
        idea.sheet_id = sheet_id


def _clear_drafts(idea_ids: list[str]) -> Callable[[Doc[Any]], None]:
    def change(doc: Doc[Any]) -> None:
        docs.remove_ideas(doc, idea_ids)
        docs.set_sheet(doc, None)

    return change


def _hand_sheet(sheet: dict[str, Any]) -> Callable[[Doc[Any]], None]:
    return lambda doc: docs.set_sheet(doc, sheet)


def _board_idea(idea: Idea, round_id: str, author: Participant | None) -> Idea:
    return Idea(
        id=idea.id, text=idea.text,
        author_id=author.id if author else None,
        author_name=author.name if author else None,
        round_id=round_id, cluster_id=None,
        # Drafts are written by browsers: keep only values the board's readers expect.
        color=idea.color if idea.color in IDEA_COLORS else IDEA_COLORS[0],
        created_at=_number_or_none(idea.created_at),
    )


def _number_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)
