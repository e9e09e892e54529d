"""The Markdown summary: the view model arranged into sections, rendered by a Jinja2 template.

Grouping and ordering are decided here; the wording and layout live in
templates/summary.md.j2 with the phrases of i18n.py. Every value the template prints
goes through `_finalize`, which escapes it as user text unless it is `Md` (Markdown
Sprankel wrote itself), so a forgotten filter can never let user text become markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from .escape import Md, block, inline
from .i18n import Words, words
from .model import Cluster, Idea, Note, Rating, Round, SessionExport, WhiteboardFrame, time_key

# The line of the summary that changes between two exports of the same session.
GENERATED_LINE_PREFIXES = ("_Gemaakt op ", "_Generated on ")


class UnknownTimezone(ValueError):
    """A time zone name that the system's time zone database does not know."""


def timezone(name: str | None) -> tzinfo:
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimezone(f"unknown time zone {name!r}; use a name like Europe/Amsterdam") \
            from error


@dataclass(frozen=True)
class IdeaGroup:
    title: str | None  # cluster title; None for the ideas in no cluster
    ideas: list[Idea]


@dataclass(frozen=True)
class RoundView:
    round: Round
    ideas: list[Idea]
    groups: list[IdeaGroup]
    contributors: int
    ranking: list[tuple[Idea, int, bool]]  # vote rounds: ideas by this round's dots, top
    rated: list[tuple[Idea, Rating]]  # rate rounds: ideas by published averages


def _idea_order(idea: Idea) -> tuple[int, tuple[int, int], str]:
    # Most dots of the latest vote round first (the board's sort), then oldest first; the
    # id makes the order total.
    latest = list(idea.votes_by_round.values())[-1:] if idea.votes_by_round else [0]
    return (-latest[0], time_key(idea.created_at), idea.id)


def _groups(ideas: list[Idea], clusters: list[Cluster]) -> list[IdeaGroup]:
    by_cluster: dict[str, list[Idea]] = {c.id: [] for c in clusters}
    loose: list[Idea] = []
    for idea in ideas:
        bucket = by_cluster.get(idea.cluster_id) if idea.cluster_id else None
        (bucket if bucket is not None else loose).append(idea)
    groups = [
        IdeaGroup(c.title, sorted(by_cluster[c.id], key=_idea_order))
        for c in sorted(clusters, key=lambda c: (c.position, c.id))
        if by_cluster[c.id]
    ]
    if loose:
        groups.append(IdeaGroup(None, sorted(loose, key=_idea_order)))
    return groups


def _round_view(r: Round, ideas: list[Idea], clusters: list[Cluster],
                by_id: dict[str, Idea]) -> RoundView:
    top = set(r.top)
    ranking = sorted(
        ((by_id[i], n, i in top) for i, n in r.tallies.items() if i in by_id and n > 0),
        key=lambda item: (-item[1], *_idea_order(item[0])[1:]),
    )
    rated = sorted(
        ((by_id[i], rating) for i, rating in r.ratings.items() if i in by_id),
        # Highest sum of both averages first; ties in the order the ideas came in.
        key=lambda pair: (
            -((pair[1].originality or 0) + (pair[1].feasibility or 0)),
            *_idea_order(pair[0])[1:],
        ),
    )
    authors = {i.author_id for i in ideas if i.author_id}
    return RoundView(r, ideas, _groups(ideas, clusters), len(authors), ranking, rated)


def _frames(frames: list[WhiteboardFrame]) -> list[WhiteboardFrame]:
    # Texts outside every frame come last, after the named frames.
    return [f for f in frames if f.texts and f.id is not None] + [
        f for f in frames if f.texts and f.id is None
    ]


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sprankel.export", "templates"),
        autoescape=False,  # HTML escaping is wrong for Markdown; _finalize escapes instead
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["item"] = _item
    env.filters["title"] = _title
    env.filters["rendered"] = _rendered
    return env


def _finalize(value: object) -> object:
    if isinstance(value, Md):
        return value
    if isinstance(value, str):
        return inline(value)
    return value


def _item(text: str, indent: int = 2, empty: str = "") -> Md:
    """User text as the content of a list item whose text starts at column `indent`."""
    return block(text, indent) or Md(empty)


def _rendered(markdown: str) -> Md:
    """The output of one of the template's own macros, whose values were escaped already."""
    return Md(markdown)


def _title(text: str | None, fallback: str) -> Md:
    """User text as a heading (one line)."""
    return inline(text or "") or Md(fallback)


_BLANK_RUNS = re.compile(r"\n{3,}")


def render_markdown(model: SessionExport, tz: tzinfo | str | None = None) -> str:
    """The summary in the session's language; times in `tz` (default UTC)."""
    zone = tz if isinstance(tz, tzinfo) else timezone(tz)
    t = words(model.meta.language)
    by_id = {i.id: i for i in model.ideas}
    round_ids = {r.id for r in model.rounds}
    views = [
        _round_view(r, model.ideas_of_round(r.id), model.clusters, by_id) for r in model.rounds
    ]
    outside = [i for i in model.ideas if i.round_id not in round_ids]
    notes = {kind: [n for n in model.notes if n.kind == kind]
             for kind in ("decision", "action", "note")}
    text = _environment().get_template("summary.md.j2").render(
        m=model,
        meta=model.meta,
        t=t,
        rounds=views,
        outside=_groups(outside, model.clusters),
        frames=_frames(model.whiteboard),
        notes=notes,
        span=_session_span(model),
        zone=_zone_name(zone),
        when=_Clock(t, zone),
        extras=_Extras(t, zone, [r for r in model.rounds if r.kind == "vote" and r.tallies]),
    )
    return _BLANK_RUNS.sub("\n\n", text).strip("\n") + "\n"


def _session_span(model: SessionExport) -> tuple[datetime | None, datetime | None]:
    starts = [r.timings.started_at for r in model.rounds if r.timings.started_at]  # ran
    ends = [r.timings.ended_at for r in model.rounds if r.timings.ended_at]
    start = model.meta.started_at or (min(starts) if starts else model.meta.created_at)
    end = model.meta.ended_at or (max(ends) if ends else None)
    return start, end


def _zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone.tzname(None) or "UTC")


@dataclass(frozen=True)
class _Clock:
    """Dates and times in the summary's time zone, worded in its language."""

    t: Words
    zone: tzinfo

    def date(self, value: datetime | date) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return self.t.date(value)

    def time(self, value: datetime) -> str:
        return self.t.time(value.astimezone(self.zone))

    def span(self, start: datetime, end: datetime) -> str:
        """`09:00 to 10:30`; the end date too when the span crosses midnight."""
        end_text = self.time(end)
        if start.astimezone(self.zone).date() != end.astimezone(self.zone).date():
            end_text = f"{self.date(end)} {end_text}"
        return self.t("ran_from", start=self.time(start), end=end_text)


@dataclass(frozen=True)
class _Extras:
    """What follows an idea or a note on its line: ` — 3 dots · Anna · **top**`."""

    t: Words
    zone: tzinfo
    vote_rounds: list[Round]  # that published dots, in the order they ran

    # Sprankel's own words and numbers need no escaping; user text (names) does.

    def rating(self, r: Rating) -> Md:
        def score(value: float | None) -> str:
            return self.t.number(value) if value is not None else "—"

        return Md(
            f"{self.t('originality')} {score(r.originality)}, "
            f"{self.t('feasibility')} {score(r.feasibility)} ({self.t.count(r.count, 'rating')})"
        )

    def votes(self, idea: Idea) -> list[str]:
        """Each vote round's dots on its own (never a sum): `3 dots (round 5)`."""
        if len(self.vote_rounds) == 1:
            return [self.t.count(idea.votes_by_round.get(self.vote_rounds[0].id, 0), "vote")]
        return [self.t("in_round", votes=self.t.count(n, "vote"), number=r.number)
                for r in self.vote_rounds if (n := idea.votes_by_round.get(r.id, 0))]

    def idea(self, idea: Idea) -> Md:
        parts: list[str] = self.votes(idea)
        if idea.rating is not None:
            parts.append(self.rating(idea.rating))
        if idea.author:
            parts.append(inline(idea.author))
        if idea.top:
            parts.append(f"**{self.t('top')}**")
        return _joined(parts)

    def ranked(self, idea: Idea, n: int, top: bool) -> Md:
        """An idea in one vote round's result: that round's dots only."""
        parts: list[str] = [self.t.count(n, "vote")]
        if idea.author:
            parts.append(inline(idea.author))
        if top:
            parts.append(f"**{self.t('top')}**")
        return _joined(parts)

    def note(self, note: Note) -> Md:
        parts: list[str] = []
        if note.owner:
            parts.append(inline(self.t("owner")) + ": " + inline(note.owner))
        if note.due:
            parts.append(f"{self.t('due')} {self.t.date(note.due)}")
        if note.done:
            parts.append(self.t("done"))
        return _joined(parts)


def _joined(parts: list[str]) -> Md:
    return Md(" — " + " · ".join(parts)) if parts else Md("")


def session_day(model: SessionExport, tz: tzinfo | str | None = None) -> date | None:
    """The day the session took place, in the summary's time zone."""
    zone = tz if isinstance(tz, tzinfo) else timezone(tz)
    start = _session_span(model)[0]
    return start.astimezone(zone).date() if start else None
