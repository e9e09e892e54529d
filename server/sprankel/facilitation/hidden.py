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
from ..kernel.errors import Conflict, Invalid, NotFound
from . import authorship, review, rounds
from . import documents as docs
from .core import Core
from .errors import WrongPhase
from .model import Idea, Participant, Round, Session, idea_order
from .roles import PARTICIPANT, require_facilitator
from .validation import IDEA_COLORS
from .versions import Versions
from .votes import Votes

log = logging.getLogger("sprankel.facilitation")


WAITING = "waiting"  # written, reviewed or not, not on the board yet
HELD_BACK = "held_back"  # kept from the board by the facilitator, until released
MERGED = "merged"  # a duplicate: it goes onto the board as part of another idea
WRITING = "writing"  # the round still runs: its author may change it


@dataclass(frozen=True)
class HiddenIdea:
    """A hidden idea as the facilitator moderates it."""

    idea: Idea
    state: str
    merged_into: str | None = None

    @property
    def held_back(self) -> bool:
        return self.state == HELD_BACK

    def to_json(self) -> dict[str, Any]:
        return {**self.idea.to_json(), "held_back": self.held_back, "state": self.state,
                "merged_into": self.merged_into}


def in_review(rnd: Round) -> bool:
    """A hidden round with ideas the facilitator may still act on: waiting for the
    reveal (running or ended), or revealed with ideas still held back."""
    return rnd.is_hidden and rnd.state != "planned" and (not rnd.revealed or bool(rnd.held_back))


def idea_state(rnd: Round, idea_id: str) -> str:
    if idea_id in rnd.held_back:
        return HELD_BACK
    if idea_id in rnd.merged:
        return MERGED
    return WAITING


class Hidden:
    def __init__(self, core: Core, votes: Votes, versions: Versions) -> None:
        self.core = core
        self.votes = votes
        self.versions = versions

    async def reveal(self, session: Session, round_id: str) -> Round:
        """Facilitator: hidden rounds move their waiting ideas onto the board (ending the
        round first when it still runs); vote and rate rounds open their tallies."""
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

    async def reveal_ideas(self, sid: str, round_id: str, only: str | None = None) -> Session:
        """Move the round's waiting drafts onto the board, with their duplicates folded in;
        held-back ideas stay with their authors. `only`: one idea (and its duplicates),
        else all of them, once (the round is then revealed)."""
        # A fresh read: this follows a change, and a second reveal must see the first.
        session = await self.core.session(sid)
        rnd = rounds.find(session, round_id)
        if rnd.revealed and only is None:
            return session
        await self.versions.take(sid, "reveal")
        anonymous = session.anonymous or rnd.anonymous
        people = {p.id: p for p in await self.core.participants(sid)}
        moved: list[Idea] = []
        taken: dict[str, list[str]] = {pid: [] for pid in rnd.sheet_order}
        left_waiting = 0
        for pid, ideas in (await self.round_drafts(session, rnd)).items():
            author = people.get(pid)
            if author is None:
                continue
            for idea in ideas:
                kept = rnd.merged.get(idea.id, idea.id)
                if kept in rnd.held_back or (only is not None and kept != only):
                    left_waiting += kept not in rnd.held_back
                    continue
                taken.setdefault(pid, []).append(idea.id)
                if kept != idea.id:
                    continue  # a duplicate: the idea it was merged into goes on the board
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
        all_of_them = only is None or left_waiting == 0
        for pid, ids in taken.items():
            if not ids and not all_of_them:
                continue
            await documents.apply_server_change(docs.drafts_name(sid, pid),
                                                _clear_drafts(ids, all_of_them))
        revealed = {i for ids in taken.values() for i in ids}
        await review.remove(self.core.store, sid, round_id, revealed)
        folded = revealed & set(rnd.merged)

        def mark(s: Session) -> None:
            r = rounds.find(s, round_id)
            r.merged_count += len(folded & set(r.merged))
            r.merged = {k: v for k, v in r.merged.items() if k not in folded}
            if all_of_them and not r.revealed:
                r.revealed = True
            r.held_back_count = len(r.held_back)

        log.info("round revealed session=%s round=%s ideas=%d held_back=%d one=%s", sid,
                 round_id, len(moved), len(rnd.held_back), only is not None)
        return await self.core.change(sid, mark)

    async def ideas(self, session: Session, who: Participant) -> list[HiddenIdea]:
        """Facilitator: the hidden ideas still to act on, of every round in review (the
        one running, those waiting for the reveal, those with ideas held back)."""
        require_facilitator(who)
        # In anonymous rounds the facilitator moderates what was said, not who said it.
        out = []
        people = await self.core.participants(session.id)
        for rnd in session.rounds:
            if not in_review(rnd):
                continue
            anonymous = session.anonymous or rnd.anonymous
            drafts = await self.round_drafts(session, rnd)
            for p in people:
                for idea in drafts.get(p.id, []):
                    out.append(HiddenIdea(_board_idea(idea, rnd.id, None if anonymous else p),
                                          idea_state(rnd, idea.id), rnd.merged.get(idea.id)))
        out.sort(key=lambda h: idea_order(h.idea))
        return out

    async def mine(self, session: Session, who: Participant) -> list[dict[str, Any]]:
        """An author's own hidden ideas and what became of them so far (her page shows
        "waiting for the reveal" or "held back by the facilitator")."""
        reviewing = [r for r in session.rounds if in_review(r)]
        if not reviewing or who.role != PARTICIPANT:
            return []
        out = []
        for rnd in reviewing:
            for idea in (await self.round_drafts(session, rnd)).get(who.id, []):
                if idea.round_id == rnd.id:
                    state = idea_state(rnd, idea.id)
                    if rnd.active and state == WAITING:
                        state = WRITING
                    out.append({"id": idea.id, "round_id": rnd.id, "state": state})
        return out

    async def _find(self, session: Session, who: Participant, idea_id: str) -> HiddenIdea:
        for hidden in await self.ideas(session, who):
            if hidden.idea.id == idea_id:
                return hidden
        raise NotFound("no such hidden idea in a round that is not revealed")

    async def hold_back(self, session: Session, who: Participant, idea_id: str,
                        held: bool) -> None:
        """Facilitator: hold a hidden idea back, or release it: back to waiting before the
        reveal; onto the board after it (a release also undoes a merge)."""
        require_facilitator(who)
        rounds.check_open(session)
        found = await self._find(session, who, idea_id)
        round_id = found.idea.round_id
        assert round_id is not None
        if held and rounds.find(session, round_id).revealed:
            raise WrongPhase("ideas can be held back only before the round's reveal")

        def change(s: Session) -> None:
            r = rounds.find(s, round_id)
            if held and r.revealed:
                raise WrongPhase("the round's ideas have already been revealed")
            r.merged.pop(idea_id, None)
            for duplicate in [k for k, v in r.merged.items() if v == idea_id]:
                r.merged.pop(duplicate)  # a held idea keeps no duplicates: they wait again
            if held and idea_id not in r.held_back:
                r.held_back.append(idea_id)
            if not held and idea_id in r.held_back:
                r.held_back.remove(idea_id)

        changed = await self.core.change(session.id, change)
        if not held and rounds.find(changed, round_id).revealed:
            changed = await self.reveal_ideas(session.id, round_id, only=idea_id)
        await self.core.after(changed)
        # The idea's id and the facilitator who acted: never its author (anonymous rounds).
        await self.core.audit.record(session.id, "idea.held_back" if held else "idea.released",
                                     actor(who), idea_id, round_id=round_id)

    async def reveal_one(self, session: Session, who: Participant, idea_id: str) -> None:
        """Facilitator: one waiting idea onto the board (with its duplicates), after the
        round's writing has closed: one at a time, to discuss each."""
        require_facilitator(who)
        rounds.check_open(session)
        found = await self._find(session, who, idea_id)
        rnd = rounds.find(session, found.idea.round_id or "")
        if rnd.active:
            raise WrongPhase("end the round first: ideas are revealed once writing has closed")
        if found.state != WAITING:
            raise WrongPhase(f"the idea is {found.state.replace('_', ' ')}; only a waiting "
                             f"idea can be revealed (release it first)")
        await self.core.after(await self.reveal_ideas(session.id, rnd.id, only=idea_id))
        await self.core.audit.record(session.id, "idea.revealed", actor(who), idea_id,
                                     round_id=rnd.id)

    async def merge(self, session: Session, who: Participant, idea_id: str, into: str
                    ) -> None:
        """Facilitator: a hidden idea is a duplicate of another of the same round; at the
        reveal only the other goes onto the board (release undoes it)."""
        require_facilitator(who)
        rounds.check_open(session)
        if idea_id == into:
            raise Invalid("an idea cannot be merged into itself")
        duplicate = await self._find(session, who, idea_id)
        kept = await self._find(session, who, into)
        round_id = duplicate.idea.round_id
        assert round_id is not None
        if kept.idea.round_id != round_id:
            raise Invalid("only ideas of the same round can be merged")
        if duplicate.state != WAITING or kept.state != WAITING:
            raise WrongPhase("only waiting ideas can be merged (release a held-back one first)")

        def change(s: Session) -> None:
            r = rounds.find(s, round_id)
            if idea_state(r, idea_id) != WAITING or idea_state(r, into) != WAITING:
                raise WrongPhase("only waiting ideas can be merged")
            for other, target in list(r.merged.items()):
                if target == idea_id:
                    r.merged[other] = into  # its own duplicates follow it
            r.merged[idea_id] = into

        await self.core.after(await self.core.change(session.id, change))
        await self.core.audit.record(session.id, "idea.merged", actor(who), idea_id,
                                     round_id=round_id, into=into)

    async def round_drafts(self, session: Session, rnd: Round) -> review.Drafts:
        """Every author's hidden ideas of a round: live while it runs, the copy taken
        when writing closed once it has ended (review.py)."""
        async def live() -> review.Drafts:
            people = await self.core.participants(session.id)
            return {p.id: await self.drafts(session.id, p.id, rnd.id) for p in people}

        if rnd.active:
            return await live()
        return await review.frozen(self.core.store, session.id, rnd.id, live)

    async def freeze(self, session: Session, rnd: Round) -> None:
        """Take the copy of a hidden round's drafts now that its writing has closed."""
        if rnd.is_hidden and rnd.state == "ended":
            await self.round_drafts(session, rnd)

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


def _clear_drafts(idea_ids: list[str], sheet_too: bool) -> Callable[[Doc[Any]], None]:
    def change(doc: Doc[Any]) -> None:
        docs.remove_ideas(doc, idea_ids)
        if sheet_too:
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
